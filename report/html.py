"""The segment report: one self-contained HTML file an analyst reads without an engineer.

``render_report`` takes plain data (a :class:`ReportInputs`) and returns HTML. The charts are
plotly figures whose JavaScript (from the plotly wheel) is inlined once, so the file opens
offline; nothing is loaded from the network, and every piece of user text is escaped (Jinja2
autoescaping in the page, :func:`report.charts.esc` in the charts).

Example:
    >>> html = render_report(ReportInputs.example())
    >>> "<script>alert(1)</script>" in html, "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    (False, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2

from report import charts

__all__ = [
    "METHOD_LABELS",
    "ReportInputs",
    "describe_parameters",
    "headline_text",
    "members_note",
    "render_report",
    "write_report",
]

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
    """Everything the report shows, as plain data.

    ``seed_rows`` are the seed-list rows (keys of :data:`report.seedlist.SEED_COLUMNS` plus
    ``evidence``); the optional sections are left out of the page when their data is empty.
    """

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
    #: per day (ISO date, members who posted, their posts)
    member_days: Sequence[tuple[str, int, int]] = ()
    #: follower counts of all members (None = unknown)
    member_followers: Sequence[int | None] = ()
    #: (city, members, seeds), most members first
    cities: Sequence[tuple[str, int, int]] = ()
    #: circles holding seeds: {circle, members, cities, seeds: [{rank, name, user_id, city}],
    #: reached, reached_2plus}
    circles: Sequence[Mapping[str, Any]] = ()
    #: seeds by city: {city, n_seeds, circles (text), seeds: [{rank, name, user_id, circle}]}
    meetups: Sequence[Mapping[str, Any]] = ()
    #: cross-infection: {reached, reached_by_two_or_more, by_count: {m: members}, sample_size}
    overlap: Mapping[str, Any] | None = None
    #: the picture: {nodes: [{id, label, circle, rank, city}], edges: [(a, b)]}
    network: Mapping[str, Any] | None = None
    #: since the previous run: {previous_run_id, previous_as_of, previous_reach, kept, new, dropped}
    changes: Mapping[str, Any] | None = None
    #: sentences the analyst must know (e.g. why a column is empty)
    notes: Sequence[str] = ()
    #: files next to the report: (file name, what it is)
    files: Sequence[tuple[str, str]] = ()
    #: circles.gexf: the seeds and their circles' members ({id, label, circle, rank, city, member,
    #: followers}) and the edges among them ((a, b, weight))
    gexf_nodes: Sequence[Mapping[str, Any]] = ()
    gexf_edges: Sequence[tuple[str, str, float]] = ()
    #: the run's steps before the report and their wall time, in order: ((step, seconds), …)
    step_seconds: Sequence[tuple[str, float]] = ()

    @classmethod
    def example(cls) -> ReportInputs:
        """A tiny, fully populated input (used in docs and tests)."""
        selection = {
            "method": "ris",
            "random_seed": 1,
            "expected_reach": 3.0,
            "expected_reach_stderr": 0.1,
            "n_eligible": 1,
            "judged_on_unknown": 0,
            "guarantee": "none",
            "params": {"k": 1, "eligibility": {"follower_cap": 50000}},
            "model": {"max_hops": 2, "probability": "wc", "decay": 1.0},
            "reach_curve": [[1, 3.0]],
            "baselines": {"followers": {"expected_reach": 1.0, "reach_curve": [[1, 1.0]]}},
        }
        row = {
            "rank": 1,
            "user_id": "1",
            "screen_name": "<script>alert(1)</script>",
            "profile_url": "https://weibo.com/u/1",
            "followers": 10,
            "city": "杭州",
            "circle": 0,
            "segment_score": 0.9,
            "n_hits": 2,
            "engagement_rate": 0.05,
            "bot_score": None,
            "marginal_reach": 3.0,
            "cumulative_reach": 3.0,
            "reason": "r",
            "evidence": [
                {"text": "我家宝宝<b>", "created_at": "2026-11-01", "hits": ["我家宝宝"], "score": 0.9}
            ],
        }
        seed_ref = {"rank": 1, "name": row["screen_name"], "user_id": "1", "city": "杭州", "circle": 0}
        return cls(
            segment="mothers",
            segment_label="mothers",
            segment_description="d",
            as_of=date(2026, 11, 15),
            window_days=30,
            run_id="r1",
            synthetic=True,
            selection=selection,
            seed_rows=[row],
            n_posts=3,
            n_authors=2,
            n_members=2,
            top_words=[("宝宝", 3, 2.5), ("<i>", 1, 1.0)],
            member_days=[("2026-11-14", 1, 2), ("2026-11-15", 2, 3)],
            member_followers=[10, None],
            cities=[("杭州", 1, 1), ("<u>", 1, 0)],
            circles=[
                {
                    "circle": 0,
                    "members": 2,
                    "cities": "杭州",
                    "seeds": [seed_ref],
                    "reached": 2.0,
                    "reached_2plus": 0.0,
                }
            ],
            meetups=[{"city": "杭州", "circles": "0", "n_seeds": 1, "seeds": [seed_ref]}],
            overlap={
                "reached": 3.0,
                "reached_by_two_or_more": 0.0,
                "by_count": {1: 3.0, 2: 0.0},
                "sample_size": 100,
            },
            network={
                "nodes": [
                    {"id": "1", "label": row["screen_name"], "circle": 0, "rank": 1, "city": "杭州"},
                    {"id": "2", "label": "b", "circle": 0, "rank": None, "city": None},
                ],
                "edges": [("1", "2")],
            },
            changes={
                "previous_run_id": "r0",
                "previous_as_of": "2026-11-14",
                "previous_reach": 2.0,
                "kept": [seed_ref],
                "new": [],
                "dropped": [{"rank": 1, "name": "<em>gone</em>", "user_id": "9"}],
            },
            notes=["bot score: not computed by this selector; the column is empty"],
            files=[("seeds.xlsx", "the seed list for Excel")],
        )


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


def _baselines(sel: Mapping[str, Any]) -> list[dict[str, Any]]:
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    out = []
    for method, b in sorted((sel.get("baselines") or {}).items()):
        try:
            r = float(b["expected_reach"])
        except (KeyError, TypeError, ValueError):
            continue
        out.append(
            {
                "method": method,
                "label": METHOD_LABELS.get(method, method),
                "reach": r,
                "stderr": float(b.get("expected_reach_stderr") or 0.0),
                "ratio": reach / r if r > 0 else None,
            }
        )
    return out


def headline_text(inputs: ReportInputs) -> str:
    """The headline sentence: segment size, our reach and the naive lists' reach, with ratios."""
    sel = inputs.selection
    k = len(inputs.seed_rows)
    label = inputs.segment_label
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    share = reach / inputs.n_members if inputs.n_members else 0.0
    max_hops = (sel.get("model") or {}).get("max_hops", 2)
    hops = "any number of hops" if max_hops == 0 else f"{_words(int(max_hops))} hops"
    text = (
        f"{inputs.n_members:,} {label} posted in the window. Word of mouth from these {k} "
        f"ordinary members is expected to reach {reach:,.0f} of them ({share:.0%}) within {hops}"
    )
    named = [b for b in _baselines(sel) if b["method"] in ("followers", "pagerank")]
    if named:
        text += "; under the same model " + ", ".join(
            f"the {b['label']} list reaches {b['reach']:,.0f}"
            + (f" (ours ×{b['ratio']:.2f})" if b["ratio"] else "")
            for b in named
        )
    text += "."
    if inputs.synthetic:
        text = "Synthetic sample — " + text
    return text


_PARAM_HELP = {
    "k": "number of seeds on the list",
    "k_requested": "number of seeds asked for (fewer when fewer people are eligible)",
    "epsilon": "ε, the guarantee's slack: the list reaches at least (1 − 1/e − ε) ≈ 63% − ε of the "
    "best possible list's reach, with high probability",
    "delta": "chance that the guarantee does not hold",
    "sample_size": "reverse-reachable sets sampled to choose the seeds (more sets, steadier list)",
    "n_simulations": "Monte Carlo simulations used to measure each list's expected reach",
    "graph_users": "people in the influence graph of the window",
    "graph_edges": "who-spreads-whom links in the influence graph",
    "kind_weights": "how much each kind of interaction counts toward a link's weight",
    "model.probability": "how likely a person is to pass a post on: 'wc' = a follower's share of "
    "attention (weighted cascade); 'uniform:P' = the same chance P for every link",
    "model.max_hops": "how many hops word of mouth travels (0 = no limit)",
    "model.decay": "how much weaker each further hop is (1 = no weakening)",
    "eligibility.min_score": "lowest segment score a seed may have",
    "eligibility.follower_cap": "most followers a seed may have (no celebrities)",
    "eligibility.exclude_verified_organisations": "leave out verified organisations, brands, "
    "shops and media (blue V)",
    "eligibility.max_bot_score": "highest bot score a seed may have",
    "eligibility.min_posts": "fewest posts in the window a seed must have written",
    "random_seed": "the random seed: the same data and seed give the same list",
    "window": "the days of posts read",
    "certified_ratio": "proven lower bound: the list reaches at least this share of the best possible "
    "list's expected reach (with probability 1 − δ)",
    "target_ratio": "the share the guarantee aimed for, 1 − 1/e − ε",
    "theta": "reverse-reachable sets the seeds were chosen on",
    "theta_min": "fewest reverse-reachable sets the selector would use",
    "theta_max": "most reverse-reachable sets the guarantee could need",
    "theta_stop": "reverse-reachable sets at which the guarantee was met",
    "iterations": "rounds of doubling the sample until the guarantee was met",
    "rr_sets_total": "reverse-reachable sets drawn in all (selection and checking samples)",
    "rr_entries": "people listed across all reverse-reachable sets (memory used)",
    "memory_capped": "whether the sample was cut short by the memory limit (then the guarantee may "
    "be weaker than asked)",
}
#: figures the run measured, shown apart from the settings
_DIAGNOSTICS = {
    "graph_users",
    "graph_edges",
    "certified_ratio",
    "target_ratio",
    "theta",
    "theta_min",
    "theta_max",
    "theta_stop",
    "iterations",
    "rr_sets_total",
    "rr_entries",
    "memory_capped",
    "k",
}


def members_note(
    segment: str,
    post_scorer: str,
    counts: Mapping[str, int],
    tags: Any,
    funnel: Mapping[str, Any] | None,
) -> str:
    """How the run found its members, in words: the post scorer, members by kind of evidence
    (posts beyond chance, profile, both), the shops found among them, and the funnel from posts
    to members with the post model's prior and threshold.

    Example:
        >>> import pandas as pd
        >>> tags = pd.DataFrame({"business": [None, "3 of 4 posts sell (包邮)"]})
        >>> funnel = {"n_posts": 900, "n_relevant": 120, "n_positive_posts": 9, "n_authors": 7,
        ...           "prior": 0.06, "prior_estimated": True, "threshold": 0.83, "chance_rate": 0.013}
        >>> note = members_note("mothers", "classifier", {"posts": 1, "profile": 0, "both": 1}, tags,
        ...                     funnel)
        >>> "1 look like shops" in note, note.endswith("→ 7 authors → 2 members.")
        (True, True)
    """
    scorer = (
        f"post scores from the trained classifier models/{segment}.joblib"
        if post_scorer == "classifier"
        else "post scores from the lexicon rules"
    )
    n = sum(counts.values())
    chance = (funnel or {}).get("chance_rate")
    chance_text = f": {chance:.1%} of a non-member's posts pass" if chance else ""
    text = (
        f"Members: {n:,} tagged ({scorer}): {counts.get('posts', 0):,} by their posts (more positive "
        f"posts than chance gives a non-member{chance_text}), {counts.get('profile', 0):,} by their "
        f"profile alone, {counts.get('both', 0):,} by a positive post and their profile together."
    )
    if "business" in getattr(tags, "columns", ()):
        shops = int(tags["business"].map(lambda b: isinstance(b, str) and bool(b)).sum())
        text += f" {shops:,} look like shops or sellers (kept out of the seed list)."
    if funnel:
        prior = funnel.get("prior")
        model = ""
        if prior is not None:
            how = "estimated from this window" if funnel.get("prior_estimated") else "the model's default"
            model = (
                f" (estimated share of segment posts among them {prior:.1%}, {how}; probability cut "
                f"{funnel.get('threshold') or 0:.2f})"
            )
        text += (
            f" Funnel: {funnel.get('n_posts', 0):,} posts with own words → {funnel.get('n_relevant', 0):,} "
            f"pass the segment's prefilter → {funnel.get('n_positive_posts', 0):,} positive posts{model} → "
            f"{funnel.get('n_authors', 0):,} authors → {n:,} members."
        )
    return text


def _fmt(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def describe_parameters(selection: Mapping[str, Any], window_text: str = "") -> list[tuple[str, str, str]]:
    """Every parameter of a selection as (name, value, what it means in plain words).

    >>> rows = describe_parameters({"params": {"k": 100}, "model": {"max_hops": 2}, "random_seed": 7})
    >>> rows[0], [name for name, _, _ in rows]
    (('k', '100', 'number of seeds on the list'), ['k', 'model.max_hops', 'random_seed'])
    """
    rows: list[tuple[str, str, str]] = []
    flat: dict[str, Any] = {}
    for key, value in (selection.get("params") or {}).items():
        if isinstance(value, Mapping) and key == "eligibility":
            flat.update({f"eligibility.{a}": b for a, b in value.items()})
        else:
            flat[key] = value
    for key, value in (selection.get("model") or {}).items():
        flat[f"model.{key}"] = value
    for key in ("epsilon", "delta"):
        if key in selection and f"{key}" not in flat:
            flat[key] = selection[key]
    if "random_seed" in selection:
        flat["random_seed"] = selection["random_seed"]
    if window_text:
        flat["window"] = window_text
    order = list(_PARAM_HELP)
    for key in sorted(flat, key=lambda k: (order.index(k) if k in order else len(order), k)):
        rows.append((key, _fmt(flat[key]), _PARAM_HELP.get(key, "")))
    return rows


def _when(value: Any) -> str:
    """A post's time as "2026-10-21 07:05" (ISO text or datetime; other values as given)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = "" if value is None else str(value)
    if len(text) >= 16 and text[10] in "T ":
        return text[:10] + " " + text[11:16]
    return text


def _fmt_rate(v: Any) -> str:
    return "—" if v is None or v != v else f"{100 * float(v):.2f}%"


def render_report(inputs: ReportInputs) -> str:
    """Render the report to a self-contained HTML string."""
    sel = inputs.selection
    k = len(inputs.seed_rows)
    label = inputs.segment_label
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    baselines = _baselines(sel)
    method = sel.get("method", "ris")
    curves: dict[str, list[tuple[int, float]]] = {
        METHOD_LABELS.get(method, method): [(int(a), float(v)) for a, v in sel.get("reach_curve", [])]
    }
    for m, b in sorted((sel.get("baselines") or {}).items()):
        curves[METHOD_LABELS.get(m, m)] = [(int(a), float(v)) for a, v in b.get("reach_curve", [])]
    first = inputs.as_of.toordinal() - inputs.window_days + 1
    window_text = (
        f"{inputs.window_days} days ending {inputs.as_of.isoformat()} "
        f"({date.fromordinal(first).isoformat()} to {inputs.as_of.isoformat()}, Asia/Shanghai)"
    )
    seed_followers = [r.get("followers") for r in inputs.seed_rows]
    chart = {
        "reach": charts.reach_curve_chart(curves, ours=METHOD_LABELS.get(method, method))
        if any(curves.values())
        else "",
        "over_time": charts.members_over_time_chart(inputs.member_days, label=label)
        if inputs.member_days
        else "",
        "words": charts.top_words_chart(inputs.top_words) if inputs.top_words else "",
        "followers": charts.follower_chart(inputs.member_followers, seed_followers, label=label)
        if inputs.member_followers
        else "",
        "cities": charts.city_chart(inputs.cities, label=label) if inputs.cities else "",
        "overlap": charts.overlap_chart(inputs.overlap["by_count"], label=label)
        if inputs.overlap and inputs.overlap.get("by_count")
        else "",
        "circles": charts.circles_picture(
            inputs.network["nodes"], inputs.network["edges"], seed=int(sel.get("random_seed", 0) or 0)
        )
        if inputs.network and inputs.network.get("nodes")
        else "",
    }
    n_cities = len({r.get("city") for r in inputs.seed_rows if r.get("city")})
    n_circles = len({r.get("circle") for r in inputs.seed_rows if r.get("circle") is not None})
    has_bot = any(r.get("bot_score") is not None for r in inputs.seed_rows)
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            segment=inputs.segment,
            segment_title=label.capitalize() if label.isascii() else label,
            segment_label=label,
            segment_description=inputs.segment_description,
            as_of=inputs.as_of.isoformat(),
            window_text=window_text,
            run_id=inputs.run_id,
            generated_at=inputs.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            synthetic=inputs.synthetic,
            headline=headline_text(inputs),
            n_members=inputs.n_members,
            n_posts=inputs.n_posts,
            n_authors=inputs.n_authors,
            n_eligible=int(sel.get("n_eligible", 0) or 0),
            k=k,
            expected_reach=reach,
            expected_reach_stderr=float(sel.get("expected_reach_stderr", 0.0) or 0.0),
            share=reach / inputs.n_members if inputs.n_members else 0.0,
            baselines=baselines,
            top_words=[{"word": w, "count": c, "score": s} for w, c, s in inputs.top_words],
            seeds=inputs.seed_rows,
            has_bot=has_bot,
            fmt_rate=_fmt_rate,
            when=_when,
            n_cities=n_cities,
            n_circles=n_circles,
            circles=inputs.circles,
            meetups=inputs.meetups,
            overlap=inputs.overlap,
            changes=inputs.changes,
            cities=inputs.cities,
            loads=inputs.loads,
            quarantine=[{"reason": r, "count": c} for r, c in inputs.quarantine],
            users_without_profile=inputs.users_without_profile,
            pending_interactions=inputs.pending_interactions,
            judged_on_unknown=int(sel.get("judged_on_unknown", 0) or 0),
            model_text=inputs.model_text,
            method_text=_METHOD_TEXT.get(method, method),
            method_label=METHOD_LABELS.get(method, method),
            guarantee=sel.get("guarantee", ""),
            eligibility=list(inputs.eligibility),
            random_seed=sel.get("random_seed"),
            params=[
                p for p in describe_parameters(sel, window_text) if p[0] not in _DIAGNOSTICS or p[0] == "k"
            ],
            diagnostics=[
                p for p in describe_parameters(sel, window_text) if p[0] in _DIAGNOSTICS and p[0] != "k"
            ],
            notes=list(inputs.notes),
            files=list(inputs.files),
            version=inputs.version,
            chart=chart,
            plotly_js=charts.plotly_js() if any(chart.values()) else "",
        )
    )


def write_report(inputs: ReportInputs, path: str | Path) -> Path:
    """Render the report and write it to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(inputs), encoding="utf-8")
    return path
