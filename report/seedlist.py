"""The seed list files a campaign team opens: ``seeds.csv`` and ``seeds.json``.

``seeds.csv`` is UTF-8 with a BOM (what Excel needs to show Chinese), ids are text, and any
text cell that a spreadsheet would read as a formula (starting with = + - @, tab or CR) is
neutralised with a leading apostrophe. ``seeds.json`` carries the full ``SeedSelection`` next
to the rows.

Example:
    >>> guard_cell("=1+1")
    "'=1+1"
    >>> explain_seed(marginal_reach=12.4, cumulative_reach=40.0, n_hits=5, circle=3, city="杭州",
    ...              segment_label="mothers")
    'adds ~12 mothers within reach (~40 with the seeds above); 5 posts about the segment; circle 3, 杭州'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "SEED_COLUMNS",
    "explain_seed",
    "guard_cell",
    "profile_url",
    "write_seeds_csv",
    "write_seeds_json",
]

SEED_COLUMNS = (
    "rank",
    "user_id",
    "screen_name",
    "profile_url",
    "followers",
    "city",
    "circle",
    "segment_score",
    "n_hits",
    "marginal_reach",
    "cumulative_reach",
    "reason",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def profile_url(user_id: str, platform: str = "weibo") -> str:
    """The public profile page of a user."""
    if platform == "weibo":
        return f"https://weibo.com/u/{user_id}"
    return ""


def explain_seed(
    *,
    marginal_reach: float,
    cumulative_reach: float,
    n_hits: int | None,
    circle: int | None,
    city: str | None,
    segment_label: str,
) -> str:
    """A one-line reason in plain words for why a seed is on the list."""
    parts = [
        f"adds ~{marginal_reach:.0f} {segment_label} within reach "
        f"(~{cumulative_reach:.0f} with the seeds above)"
    ]
    if n_hits:
        parts.append(f"{n_hits} post{'s' if n_hits != 1 else ''} about the segment")
    where = []
    if circle is not None:
        where.append(f"circle {circle}")
    if city:
        where.append(city)
    if where:
        parts.append(", ".join(where))
    return "; ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value)


def write_seeds_csv(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write the seed rows to ``path`` as UTF-8-with-BOM CSV in :data:`SEED_COLUMNS` order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SEED_COLUMNS)
        for row in rows:
            out = []
            for col in SEED_COLUMNS:
                v = row.get(col)
                if col in ("marginal_reach", "cumulative_reach", "segment_score") and v is not None:
                    out.append(f"{float(v):.3f}")
                else:
                    out.append(guard_cell(_text(v)))
            writer.writerow(out)
    return path


def write_seeds_json(
    selection: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], path: str | Path
) -> Path:
    """Write ``{"selection": <SeedSelection dict>, "seeds": [rows…]}`` as UTF-8 JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                  for r in rows]
    doc = {"selection": dict(selection), "seeds": clean_rows}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
