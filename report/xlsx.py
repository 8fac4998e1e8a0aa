"""``seeds.xlsx``: the seed list as a campaign team opens it in Excel.

Ids are text cells (Excel turns 16-digit numbers into 1.23457E+15 and loses the last digits);
every text cell is written as a string, never as a formula, and one that a spreadsheet would read
as a formula (starting with = + - @, tab or CR) also gets a leading apostrophe, like the CSV. Three
sheets: ``Seeds`` (one row per seed), ``Meet-ups`` (seeds by city and circle) and ``About`` (the
run, the column meanings and the notes).

Example:
    >>> import tempfile, openpyxl
    >>> path = write_seeds_xlsx([{"rank": 1, "user_id": "5366486905059756", "reason": "=1+1"}],
    ...                         tempfile.mkdtemp() + "/seeds.xlsx")
    >>> ws = openpyxl.load_workbook(path)["Seeds"]
    >>> ws["B2"].value, ws["B2"].data_type, ws.cell(2, len(SEED_COLUMNS)).value
    ('5366486905059756', 's', "'=1+1")
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from report.seedlist import COLUMN_TITLES, SEED_COLUMNS, guard_cell

__all__ = ["write_seeds_xlsx"]

_TEXT_COLUMNS = {"user_id", "screen_name", "profile_url", "city", "reason"}
_FORMATS = {
    "followers": "#,##0",
    "segment_score": "0.00",
    "engagement_rate": "0.00%",
    "bot_score": "0.00",
    "marginal_reach": "0.0",
    "cumulative_reach": "0.0",
    "n_hits": "0",
    "rank": "0",
    "circle": "0",
}
_WIDTHS = {
    "rank": 6,
    "user_id": 19,
    "screen_name": 22,
    "profile_url": 34,
    "followers": 11,
    "city": 9,
    "circle": 8,
    "segment_score": 9,
    "n_hits": 10,
    "engagement_rate": 12,
    "bot_score": 9,
    "marginal_reach": 12,
    "cumulative_reach": 13,
    "reason": 90,
}
_SAFE_URL = re.compile(r"^https://(www\.)?weibo\.com/u/[0-9A-Za-z_]+$")
_HEADER_FILL = PatternFill("solid", fgColor="F1F5F9")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text_cell(ws: Any, row: int, col: int, value: Any) -> Any:
    text = "" if value is None else _ILLEGAL.sub("", str(value))
    cell = ws.cell(row=row, column=col)
    cell.value = guard_cell(text)
    cell.data_type = "s"  # a string even when it looks like a formula or a number
    cell.number_format = "@"
    return cell


def _value_cell(ws: Any, row: int, col: int, value: Any, fmt: str | None) -> Any:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, bool) or value is None or (isinstance(value, float) and value != value):
        cell.value = None
    elif isinstance(value, int | float):
        cell.value = value
        if fmt:
            cell.number_format = fmt
    else:
        return _text_cell(ws, row, col, value)
    return cell


def _header(ws: Any, titles: Sequence[str]) -> None:
    for i, title in enumerate(titles, 1):
        cell = ws.cell(row=1, column=i, value=title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"


def write_seeds_xlsx(
    rows: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    meetups: Sequence[Mapping[str, Any]] = (),
    about: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
) -> Path:
    """Write the seed rows (keys of :data:`SEED_COLUMNS`) to ``path`` as an Excel workbook.

    ``meetups``: rows ``{city, n_seeds, circles, seeds_text}`` for the Meet-ups sheet; ``about``:
    ``(label, value)`` pairs describing the run; ``notes``: sentences (e.g. why a column is empty).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Seeds"
    _header(ws, [COLUMN_TITLES.get(c, c) for c in SEED_COLUMNS])
    for r, row in enumerate(rows, 2):
        for c, col in enumerate(SEED_COLUMNS, 1):
            v = row.get(col)
            if col in _TEXT_COLUMNS:
                cell = _text_cell(ws, r, c, v)
                if col == "profile_url" and isinstance(v, str) and _SAFE_URL.match(v):
                    cell.hyperlink = v
                    cell.font = Font(color="1D4ED8", underline="single")
            else:
                _value_cell(ws, r, c, v, _FORMATS.get(col))
    for c, col in enumerate(SEED_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(col, 12)
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(SEED_COLUMNS))}{len(rows) + 1}"

    meet = wb.create_sheet("Meet-ups")
    _header(meet, ["city", "seeds", "circles", "who (rank · name · user id · circle)"])
    for r, m in enumerate(meetups, 2):
        _text_cell(meet, r, 1, m.get("city") or "unknown")
        _value_cell(meet, r, 2, m.get("n_seeds"), "0")
        _text_cell(meet, r, 3, m.get("circles", ""))
        _text_cell(meet, r, 4, m.get("seeds_text", ""))
    for letter, width in zip("ABCD", (10, 7, 16, 140), strict=True):
        meet.column_dimensions[letter].width = width

    info = wb.create_sheet("About")
    _header(info, ["about this list", ""])
    r = 2
    for label, value in about:
        _text_cell(info, r, 1, label).font = Font(bold=True)
        _text_cell(info, r, 2, value)
        r += 1
    if notes:
        r += 1
        _text_cell(info, r, 1, "notes").font = Font(bold=True)
        for note in notes:
            _text_cell(info, r, 2, note)
            r += 1
    r += 1
    _text_cell(info, r, 1, "columns").font = Font(bold=True)
    for col in SEED_COLUMNS:
        _text_cell(info, r, 2, f"{COLUMN_TITLES.get(col, col)}: {COLUMN_HELP.get(col, '')}")
        r += 1
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 120
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return path


COLUMN_HELP = {
    "rank": "order of selection: each seed adds the most new expected reach given the seeds above",
    "user_id": "platform user id (text: do not convert to a number)",
    "screen_name": "the name shown on the profile at the time of the export",
    "profile_url": "the public profile page",
    "followers": "follower count from the profile (empty when the export did not give it)",
    "city": "city from the profile location",
    "circle": "the close-knit group (community of the influence graph) the person sits in",
    "segment_score": "how surely the person belongs to the segment (0–1)",
    "n_hits": "posts in the window that match the segment",
    "engagement_rate": "(reposts + comments + likes) per post per follower, over the window",
    "bot_score": "how bot-like the account looks (0 = human, 1 = bot); empty when not computed",
    "marginal_reach": "expected members this seed adds to the reach of the seeds above it",
    "cumulative_reach": "expected members reached by this seed and all seeds above it",
    "reason": "why the person is on the list, in plain words",
}
