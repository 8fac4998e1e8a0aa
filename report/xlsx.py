"""``seeds.xlsx``: the seed list as a campaign team opens it in Excel.

Ids are text cells (Excel turns 16-digit numbers into 1.23457E+15 and loses the last digits);
every text cell is written as a string, never as a formula, and one that a spreadsheet would read
as a formula (starting with = + - @, tab or CR) also gets a leading apostrophe, like the CSV.

The first sheet is the list itself: a header row, then one row per seed (:data:`XLSX_COLUMNS`:
the seed-list columns, outreach columns the analyst fills in — status, contact person, notes —
and the texts of the posts that tagged the person). Then ``Meet-ups`` (seeds by region and
circle) and ``About`` (the run, the column meanings and the notes). Titles are in ``lang``.

Example:
    >>> import tempfile, openpyxl
    >>> path = write_seeds_xlsx([{"rank": 1, "user_id": "5366486905059756", "reason": "=1+1"}],
    ...                         tempfile.mkdtemp() + "/seeds.xlsx", lang="zh")
    >>> ws = openpyxl.load_workbook(path).worksheets[0]
    >>> ws.title, ws["B1"].value, ws["B2"].value, ws["B2"].data_type
    ('种子名单', '用户ID', '5366486905059756', 's')
    >>> [c.value for c in ws[1]][4:7], ws.cell(2, XLSX_COLUMNS.index("reason") + 1).value
    (['状态', '联系人', '备注'], "'=1+1")
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from report.i18n import N_, translations
from report.seedlist import COLUMN_TITLES, SEED_COLUMNS, guard_cell

__all__ = ["XLSX_COLUMNS", "write_seeds_xlsx"]

#: the first sheet's columns: who, the outreach columns to fill in, the seed-list figures, the posts
XLSX_COLUMNS = (
    *SEED_COLUMNS[:4],
    "status",
    "contact",
    "outreach_notes",
    *SEED_COLUMNS[4:],
    "evidence",
)
_TITLES = {
    **COLUMN_TITLES,
    "status": N_("status"),
    "contact": N_("contact person"),
    "outreach_notes": N_("notes"),
    "evidence": N_("the posts that tagged them"),
}
_STATUS = (N_("not contacted"), N_("contacted"), N_("agreed"), N_("declined"))

_TEXT_COLUMNS = {
    "user_id",
    "screen_name",
    "profile_url",
    "city",
    "own_words",
    "reason",
    "status",
    "contact",
    "outreach_notes",
    "evidence",
}
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
    "reason": 60,
    "status": 10,
    "contact": 12,
    "outreach_notes": 24,
    "evidence": 90,
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


def _evidence_text(row: Mapping[str, Any]) -> str:
    """The texts of the posts that tagged the person, numbered, one paragraph each."""
    posts = [e for e in row.get("evidence") or () if e.get("kind", "post") == "post" and e.get("text")]
    text = "\n\n".join(f"{i}. {e['text']}" for i, e in enumerate(posts, 1))
    return text[:32_000]  # Excel's cell limit is 32,767 characters


def _seed_sheet(ws: Any, rows: Sequence[Mapping[str, Any]], _: Any) -> None:
    _header(ws, [_(_TITLES[c]) for c in XLSX_COLUMNS])
    for r, row in enumerate(rows, 2):
        for c, col in enumerate(XLSX_COLUMNS, 1):
            v = _evidence_text(row) if col == "evidence" else row.get(col)
            if col in _TEXT_COLUMNS:
                cell = _text_cell(ws, r, c, v)
                if col == "profile_url" and isinstance(v, str) and _SAFE_URL.match(v):
                    cell.hyperlink = v
                    cell.font = Font(color="1D4ED8", underline="single")
                if col in ("reason", "evidence"):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                _value_cell(ws, r, c, v, _FORMATS.get(col))
    for c, col in enumerate(XLSX_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(col, 12)
    if rows:
        last = len(rows) + 1
        ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{last}"
        status = get_column_letter(XLSX_COLUMNS.index("status") + 1)
        choices = ",".join(_(s) for s in _STATUS)
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        dv.add(f"{status}2:{status}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "D2"


def write_seeds_xlsx(
    rows: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    meetups: Sequence[Mapping[str, Any]] = (),
    about: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    lang: str = "en",
) -> Path:
    """Write the seed rows (keys of :data:`SEED_COLUMNS`, and ``evidence``) to ``path`` as an
    Excel workbook whose first sheet is the list (titles in ``lang``).

    ``meetups``: rows ``{city, n_seeds, circles, seeds_text}`` for the Meet-ups sheet; ``about``:
    ``(label, value)`` pairs describing the run; ``notes``: sentences (e.g. why a column is empty).
    """
    _ = translations(lang).gettext
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Seeds")
    _seed_sheet(ws, rows, _)

    meet = wb.create_sheet(_("Meet-ups"))
    _header(meet, [_("region"), _("seed users"), _("circles"), _("who (rank · name · user id · circle)")])
    for r, m in enumerate(meetups, 2):
        _text_cell(meet, r, 1, m.get("city") or _("unknown"))
        _value_cell(meet, r, 2, m.get("n_seeds"), "0")
        _text_cell(meet, r, 3, m.get("circles", ""))
        _text_cell(meet, r, 4, m.get("seeds_text", ""))
    for letter, width in zip("ABCD", (10, 7, 16, 140), strict=True):
        meet.column_dimensions[letter].width = width

    info = wb.create_sheet(_("About"))
    _header(info, [_("about this list"), ""])
    r = 2
    for label, value in about:
        _text_cell(info, r, 1, label).font = Font(bold=True)
        _text_cell(info, r, 2, value)
        r += 1
    if notes:
        r += 1
        _text_cell(info, r, 1, _("notes")).font = Font(bold=True)
        for note in notes:
            _text_cell(info, r, 2, note)
            r += 1
    r += 1
    _text_cell(info, r, 1, _("columns")).font = Font(bold=True)
    for col in XLSX_COLUMNS:
        _text_cell(
            info, r, 2, _("{title}: {meaning}").format(title=_(_TITLES[col]), meaning=_(COLUMN_HELP[col]))
        )
        r += 1
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 120
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return path


COLUMN_HELP = {
    "rank": N_("order of selection: each seed adds the most new expected reach given the seeds above"),
    "user_id": N_("platform user id (text: do not convert to a number)"),
    "screen_name": N_("the name shown on the profile at the time of the export"),
    "profile_url": N_("the public profile page"),
    "followers": N_("follower count from the profile (empty when the export did not give it)"),
    "city": N_("region from the profile location (a city or a province, as the export gives it)"),
    "circle": N_("the close-knit group (community of the influence graph) the person sits in"),
    "segment_score": N_("how surely the person belongs to the segment (0–1)"),
    "n_hits": N_("posts in the window that match the segment"),
    "engagement_rate": N_("(reposts + comments + likes) per post per follower, over the window"),
    "bot_score": N_("how bot-like the account looks (0 = human, 1 = bot); empty when not computed"),
    "marginal_reach": N_("expected members this seed adds to the reach of the seeds above it"),
    "cumulative_reach": N_("expected members reached by this seed and all seeds above it"),
    "own_words": N_(
        "what confirms them in their own words: the first-person words of their posts (我女儿, "
        "孕32周…), or their profile's; check these before inviting them"
    ),
    "reason": N_("why the person is on the list, in plain words"),
    "status": N_("yours to fill in: not contacted, contacted, agreed or declined"),
    "contact": N_("yours to fill in: who on your team talks to this person"),
    "outreach_notes": N_("yours to fill in: anything about the outreach"),
    "evidence": N_("the person's own posts that put them in the audience"),
}
