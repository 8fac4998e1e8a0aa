"""The segment report: one self-contained HTML file an analyst reads without an engineer.

``render_report`` takes plain data (a :class:`ReportInputs`) and returns HTML; nothing is
loaded from the network and every piece of user text is escaped (Jinja2 autoescaping).

Example:
    >>> html = render_report(ReportInputs.example())
    >>> "<script>" in html, "&lt;script&gt;" in html
    (False, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["METHOD_LABELS", "ReportInputs", "render_report", "write_report"]

METHOD_LABELS = {
    "ris": "Tajian (reach-maximising)",
    "followers": "most followers",
    "pagerank": "PageRank",
    "degree": "most people spread to",
}
_METHOD_TEXT = {
    "ris": "greedy maximum coverage over reverse-reachable sets sampled from the segment's "
    "members: each seed is picked for how many members it reaches that the seeds before it do "
    "not, so seeds in different circles are preferred over seeds that reach the same people",
    "pagerank": "PageRank ranking of the influence graph (influence flowing out)",
    "degree": "ranking by the number of different people each user's posts spread to",
    "followers": "ranking by follower count",
}


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, as plain data."""

    segment: str
    segment_label: str
    segment_description: str
    as_of: date
    window_days: int
    run_id: str
    synthetic: bool
    selection: Mapping[str, Any]
    seed_rows: Sequence[Mapping[str, Any]]
    n_posts: int
    n_authors: int
    n_members: int
    top_words: Sequence[tuple[str, int, float]] = ()
    loads: Sequence[Mapping[str, Any]] = ()
    quarantine: Sequence[tuple[str, int]] = ()
    users_without_profile: int = 0
    pending_interactions: int = 0
    eligibility: Sequence[str] = ()
    model_text: str = ""
    version: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def example(cls) -> ReportInputs:
        """A tiny, fully populated input (used in docs and tests)."""
        selection = {
            "method": "ris", "random_seed": 1, "expected_reach": 3.0,
            "expected_reach_stderr": 0.1, "n_eligible": 1, "judged_on_unknown": 0,
            "guarantee": "none", "params": {"k": 1}, "model": {"max_hops": 2},
            "reach_curve": [[1, 3.0]],
            "baselines": {"followers": {"expected_reach": 1.0, "reach_curve": [[1, 1.0]]}},
        }
        row = {
            "rank": 1, "user_id": "1", "screen_name": "<script>alert(1)</script>",
            "profile_url": "https://weibo.com/u/1", "followers": 10, "city": "杭州",
            "circle": 0, "segment_score": 0.9, "marginal_reach": 3.0, "cumulative_reach": 3.0,
            "reason": "r", "evidence": [{"text": "我家宝宝<b>", "created_at": "2026-11-01",
                                         "hits": ["我家宝宝"], "score": 0.9}],
        }
        return cls(segment="mothers", segment_label="mothers", segment_description="d",
                   as_of=date(2026, 11, 15), window_days=30, run_id="r1", synthetic=True,
                   selection=selection, seed_rows=[row], n_posts=3, n_authors=2, n_members=2)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _words(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))


def render_report(inputs: ReportInputs) -> str:
    """Render the report to a self-contained HTML string."""
    sel = inputs.selection
    k = len(inputs.seed_rows)
    label = inputs.segment_label
    reach = float(sel.get("expected_reach", 0.0))
    baselines = []
    for method, b in sorted(sel.get("baselines", {}).items()):
        r = float(b["expected_reach"])
        baselines.append(
            {"method": method, "label": METHOD_LABELS.get(method, method), "reach": r,
             "ratio": reach / r if r > 0 else None}
        )
    curves = {sel.get("method", "ris"): dict((int(a), float(v)) for a, v in sel.get("reach_curve", []))}
    for method, b in sorted(sel.get("baselines", {}).items()):
        curves[method] = {int(a): float(v) for a, v in b.get("reach_curve", [])}
    ks = sorted({kk for c in curves.values() for kk in c})
    curve_rows = [{"k": kk, "cells": [c.get(kk) for c in curves.values()]} for kk in ks]
    curve_max = max((v for c in curves.values() for v in c.values()), default=0.0)
    share = reach / inputs.n_members if inputs.n_members else 0.0
    max_hops = sel.get("model", {}).get("max_hops", 2)
    hops = "any number of hops" if max_hops == 0 else f"{_words(int(max_hops))} hops"
    headline = (
        f"{inputs.n_members:,} {label} posted in the window. Word of mouth from these {k} "
        f"ordinary members is expected to reach {reach:,.0f} of them ({share:.0%}) within {hops}"
    )
    named = [b for b in baselines if b["method"] in ("followers", "pagerank")]
    if named:
        headline += "; " + ", ".join(
            f"the {b['label']} list reaches {b['reach']:,.0f}" for b in named
        )
    headline += "."
    if inputs.synthetic:
        headline = "Synthetic sample — " + headline
    first = inputs.as_of.toordinal() - inputs.window_days + 1
    window_text = (
        f"{inputs.window_days} days ending {inputs.as_of.isoformat()} "
        f"({date.fromordinal(first).isoformat()} to {inputs.as_of.isoformat()}, Asia/Shanghai)"
    )
    params = sorted({**sel.get("params", {}), **{f"model.{a}": b for a, b in
                                                  sel.get("model", {}).items()}}.items())
    html = _env().get_template("report.html.j2").render(
        segment=inputs.segment,
        segment_title=inputs.segment_label.capitalize() if inputs.segment_label.isascii()
        else inputs.segment_label,
        segment_label=label,
        segment_description=inputs.segment_description,
        as_of=inputs.as_of.isoformat(),
        window_text=window_text,
        run_id=inputs.run_id,
        generated_at=inputs.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=inputs.synthetic,
        headline=headline,
        n_members=inputs.n_members,
        n_posts=inputs.n_posts,
        n_authors=inputs.n_authors,
        n_eligible=int(sel.get("n_eligible", 0)),
        expected_reach=reach,
        expected_reach_stderr=float(sel.get("expected_reach_stderr", 0.0)),
        baselines=baselines,
        curve_methods=[{"method": m, "label": METHOD_LABELS.get(m, m)} for m in curves],
        curve_rows=curve_rows,
        curve_max=curve_max,
        top_words=[{"word": w, "count": c, "score": s} for w, c, s in inputs.top_words],
        seeds=inputs.seed_rows,
        loads=inputs.loads,
        quarantine=[{"reason": r, "count": c} for r, c in inputs.quarantine],
        users_without_profile=inputs.users_without_profile,
        pending_interactions=inputs.pending_interactions,
        judged_on_unknown=int(sel.get("judged_on_unknown", 0)),
        model_text=inputs.model_text,
        method_text=_METHOD_TEXT.get(sel.get("method", "ris"), sel.get("method", "")),
        guarantee=sel.get("guarantee", ""),
        eligibility=list(inputs.eligibility),
        random_seed=sel.get("random_seed"),
        params=params,
        version=inputs.version,
    )
    return html


def write_report(inputs: ReportInputs, path: str | Path) -> Path:
    """Render the report and write it to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(inputs), encoding="utf-8")
    return path
