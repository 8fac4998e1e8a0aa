"""The table ``tajian ingest`` (and ``tajian demo``) prints of what each file loaded, the notes,
and each file's commonest quarantine reasons, in the analyst's language.

Example::

    print_loads(reports, verbose=False)  # many files: those that need a look, one row for the rest
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.table import Table

from flows.console import consoles as _c
from flows.messages import current_lang, say
from report.reasons import reason_text

__all__ = ["TABLE_MAX_FILES", "print_loads"]

#: Above this many files the table shows the files that need a look (rows quarantined, notes,
#: nothing loaded) and one row summing the others, unless --verbose asks for a row per file.
TABLE_MAX_FILES = 20

_SUMMED = ("rows_read", "loaded", "updated", "duplicates", "quarantined", "interactions_added")


def _table_rows(loads: list[dict], verbose: bool) -> tuple[list[dict], int]:
    """The rows of the table: every load, or (above :data:`TABLE_MAX_FILES` files, not
    ``verbose``) those that need a look, in order, then one row summing the others (``seconds``
    summed; ``interactions_pending``: the warehouse's count after the last of them). Returns the
    rows and how many files the summed row stands for (0: none)."""
    if verbose or len(loads) <= TABLE_MAX_FILES:
        return loads, 0
    shown = [r for r in loads if r["quarantined"] or r.get("notes") or not (r["loaded"] or r["duplicates"])]
    shown = shown[:TABLE_MAX_FILES]
    ids = {id(r) for r in shown}
    rest = [r for r in loads if id(r) not in ids]
    if not rest:
        return shown, 0
    summed = {k: sum(r[k] for r in rest) for k in _SUMMED}
    summed |= {
        "source": say("ingest_other_files" if shown else "ingest_all_files", n=len(rest)),
        "format": " ".join(sorted({r.get("format") or "?" for r in rest})),
        "interactions_pending": rest[-1]["interactions_pending"],
    }
    if all("seconds" in r for r in rest):
        summed["seconds"] = sum(r["seconds"] for r in rest)
    return [*shown, summed], len(rest)


def print_loads(loads: list[dict], verbose: bool = True) -> None:
    """The table of what each file loaded (without ``verbose``, many files: those that need a
    look and a row summing the others, :func:`_table_rows`), then one line per note (what a load
    changed without quarantining a row)."""
    if not loads:
        return
    rows, summed = _table_rows(loads, verbose)
    table = Table(title=say("ingest_title"), caption=say("pending_caption"), caption_justify="left")
    formats = any(r.get("format") for r in loads)
    timed = all("seconds" in r for r in rows)
    cols = ["file", *(["format"] if formats else []), "read", "loaded", "updated", "duplicates"]
    for col in (*cols, "quarantined", "interactions", "pending", *(["seconds"] if timed else [])):
        table.add_column(say(f"col_{col}"), justify="left" if col in ("file", "format") else "right")
    for r in rows:
        table.add_row(
            Path(r["source"]).name,
            *([r.get("format") or "?"] if formats else []),
            f"{r['rows_read']:,}",
            f"{r['loaded']:,}",
            f"{r['updated']:,}",
            f"{r['duplicates']:,}",
            f"{r['quarantined']:,}",
            f"{r['interactions_added']:,}",
            f"{r['interactions_pending']:,}",
            *([f"{r['seconds']:.1f}"] if timed else []),
        )
    _c.out.print(table)
    if summed:
        _c.out.print(say("ingest_more_files", n=summed), markup=False, highlight=False)
    for r in loads:
        for note in r.get("notes", ()):
            _c.err.print(say("note", detail=note), markup=False, highlight=False)
    for r in loads:
        _print_reasons(r)


def _print_reasons(load: dict) -> None:
    """A file's commonest quarantine reasons with their counts, and the fix for ids Excel mangled."""
    reasons = load.get("top_reasons") or ()
    if not reasons:
        return
    query = "SELECT * FROM quarantine WHERE source = '" + str(load["source"]).replace("'", "''") + "'"
    lines = [say("quarantine_head", file=Path(load["source"]).name, n=load["quarantined"], query=query)]
    lang = current_lang()
    lines += [say("quarantine_reason", n=n, reason=reason_text(why, lang)) for n, why in reasons]
    if any(re.search(r"\d\.\d+E\+\d+", why, re.IGNORECASE) for _, why in reasons):
        lines.append(say("excel_ids"))
    for line in lines:
        _c.err.print(line, markup=False, highlight=False, soft_wrap=True)
