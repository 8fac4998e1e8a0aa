"""A short summary of a run for places other than the report (the Prefect UI's artifacts).

``run_summary`` reads the published ``seeds.json`` and returns a markdown summary (headline,
reach against the naive lists, where the files are) and the seed table as plain rows. User text
is escaped for markdown and HTML, since the Prefect UI renders both.

Example:
    >>> md_escape("<b>*x*</b>")
    '&lt;b&gt;\\\\*x\\\\*&lt;/b&gt;'
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from report.html import METHOD_LABELS
from report.seedlist import guard_cell

__all__ = ["artifact_key", "md_escape", "run_summary"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: Any) -> str:
    """User text made inert in markdown (and in the HTML markdown may carry)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape("" if text is None else str(text), quote=False))


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits and dashes).

    >>> artifact_key("tajian", "Mothers 2026", "seeds")
    'tajian-mothers-2026-seeds'
    """
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", "-".join(parts).lower())).strip("-")


def _interval(sel: dict[str, Any]) -> str:
    """The reach's 95% interval as text to follow the figure, when the selection has one.

    >>> _interval({"expected_reach_low": 118.2, "expected_reach_high": 124.9})
    ' (95% interval 118–125)'
    """
    lo, hi = sel.get("expected_reach_low"), sel.get("expected_reach_high")
    return f" (95% interval {float(lo):,.0f}–{float(hi):,.0f})" if lo is not None and hi else ""


def run_summary(
    seeds_json: str | Path, report: str | Path, *, top: int = 100
) -> tuple[str, list[dict[str, Any]]]:
    """(markdown summary, seed rows for a table artifact) of a published run."""
    doc = json.loads(Path(seeds_json).read_text(encoding="utf-8"))
    sel = doc.get("selection") or {}
    meta = doc.get("report") or {}
    report_uri = Path(report).resolve().as_uri()
    lines = [
        f"# Tajian · {md_escape(sel.get('segment', ''))} · {md_escape(sel.get('as_of', ''))}",
        "",
        md_escape(meta.get("headline", "")),
        "",
        "| list | expected reach |",
        "|---|---:|",
        f"| {md_escape(METHOD_LABELS.get(sel.get('method', ''), sel.get('method', '')))} "
        f"| {float(sel.get('expected_reach', 0) or 0):,.1f}{_interval(sel)} |",
    ]
    for method, b in sorted((sel.get("baselines") or {}).items()):
        lines.append(
            f"| {md_escape(METHOD_LABELS.get(method, method))} "
            f"| {float(b.get('expected_reach', 0) or 0):,.1f} |"
        )
    overlap = meta.get("overlap")
    if overlap:
        lines += [
            "",
            f"Members expected to hear it from two or more seeds: "
            f"{float(overlap.get('reached_by_two_or_more', 0)):,.0f}.",
        ]
    lines += [
        "",
        f"Report: [{md_escape(Path(report).name)}]({report_uri}) · folder `{Path(report).resolve().parent}`",
    ]
    for note in doc.get("notes") or []:
        lines += ["", f"> {md_escape(note)}"]
    rows = [
        {
            "rank": r.get("rank"),
            "user_id": str(r.get("user_id", "")),
            "screen_name": html.escape(str(guard_cell(r.get("screen_name") or ""))),
            "followers": r.get("followers"),
            "city": html.escape(str(r.get("city") or "")),
            "circle": r.get("circle"),
            "marginal_reach": r.get("marginal_reach"),
            "cumulative_reach": r.get("cumulative_reach"),
            "profile_url": r.get("profile_url", ""),
        }
        for r in (doc.get("seeds") or [])[:top]
    ]
    return "\n".join(lines), rows
