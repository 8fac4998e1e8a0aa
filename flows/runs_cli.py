"""``tajian runs``: the run history and the segment × day partition grid.

Example::

    tajian runs --days 14
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from flows.cli_errors import user_errors as _user_errors
from flows.console import DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import parse_day as _parse_day
from flows.errors import UserError
from flows.messages import say, tr
from report.i18n import N_

__all__ = ["runs"]


#: the help of ``tajian runs`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "The run history and a partition grid (segment × day: done / failed / running / missing). Failed "
    "days name their error. Reads the warehouse only; if a run holds it, says so."
)


def runs(
    days: Annotated[int, typer.Option(help=N_("how many days the grid shows, ending at --end"))] = 14,
    end: Annotated[
        str | None, typer.Option(help=N_("last day of the grid, YYYY-MM-DD (default: newest run)"))
    ] = None,
    limit: Annotated[int, typer.Option(help=N_("how many recent runs to list"))] = 10,
    warehouse: Annotated[Path | None, typer.Option(help=N_("warehouse file"))] = None,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """``tajian runs``: see :data:`HELP`."""
    from flows.history import partition_grid, run_history

    settings = _settings(lang)
    target = warehouse or settings.warehouse
    with _user_errors("runs", debug):
        if not Path(target).exists():  # a typo must not read as "no runs yet"
            raise UserError(say("warehouse_missing", path=target))
        history = run_history(target, limit)
        newest = max(history["as_of"]) if len(history) else date.today()
        last = _parse_day(end) or newest
        grid = partition_grid(target, last - timedelta(days=max(days, 1) - 1), last)
    _print_whole(_runs_table(history, target))
    for part in _grid_tables(grid, _c.out.width):
        _print_whole(part)
    for (seg, day), why in sorted(grid.attrs.get("errors", {}).items()):
        _c.out.print("[red]✗[/red] ", end="")
        _c.out.print(f"{seg} {day}: {why}", soft_wrap=True, markup=False, highlight=False)


def _print_whole(table: Table) -> None:
    """Print ``table`` without cutting a cell: wider than the terminal when it must be (the
    terminal wraps the line; nothing becomes "…")."""
    from rich.measure import Measurement

    out = _c.out
    need = Measurement.get(out, out.options.update_width(10_000), table).minimum
    if need > out.width:
        out = Console(soft_wrap=False, width=need)
    out.print(table)


def _runs_table(history, target: Path) -> Table:
    """The recent runs: run ids, segments and times whole (never "…"); the error wraps."""
    table = Table(title=tr("recent runs ({path})").format(path=target))
    rows = [
        (
            str(r.run_id),
            str(r.segment),
            str(r.as_of)[:10],
            tr(_STATUS[str(r.status)]) if str(r.status) in _STATUS else str(r.status),
            "" if pd_isna(r.finished_at) else str(r.finished_at)[:19],
            "" if pd_isna(r.error) else str(r.error),
        )
        for r in history.itertuples()
    ]
    for i, col in enumerate((tr("run"), tr("segment"), tr("as of"), tr("status"), tr("finished"))):
        width = max([cell_len(col), *(cell_len(r[i]) for r in rows)])
        table.add_column(col, no_wrap=True, min_width=width)
    table.add_column(tr("error"), overflow="fold", min_width=20)
    for r in rows:
        table.add_row(*r)
    return table


def _grid_tables(grid, width: int) -> list[Table]:
    """The segment × day grid, as many tables (consecutive days) as it takes to fit ``width``."""
    marks = {
        "done": "[green]■[/green]",
        "failed": "[red]✗[/red]",
        "running": "[yellow]…[/yellow]",
        "missing": "[dim]·[/dim]",
    }
    seg_width = max([7, *(len(str(s)) for s in grid["segment"])])
    day_cols = [c for c in grid.columns if c != "segment"]
    per = max(1, (width - seg_width - 4) // 8)
    tables = []
    for at in range(0, max(len(day_cols), 1), per):
        cols = day_cols[at : at + per]
        t = Table(title=tr("partitions (■ done, ✗ failed, … running, · missing)") if not at else None)
        t.add_column(tr("segment"), no_wrap=True, min_width=seg_width)
        for c in cols:
            t.add_column(c[5:], justify="center", no_wrap=True, min_width=5)
        for row in grid.to_dict("records"):
            t.add_row(str(row["segment"]), *[marks.get(row[c], row[c]) for c in cols])
        tables.append(t)
    return tables


#: a run's status in the analyst's words
_STATUS = {"succeeded": N_("succeeded"), "failed": N_("failed"), "running": N_("running")}


def pd_isna(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("NaT", "nan")
