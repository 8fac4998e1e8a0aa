"""The end of a run: its report written to a staging folder, then swapped into place together
with the warehouse's commit (:func:`publish_outputs`), or, on failure, everything of the run
undone (:func:`mark_run_failed`).

Example::

    staged = report_step(warehouse, run_id, "mothers", as_of, 30, settings)
    final = publish_outputs(warehouse, run_id, "mothers", as_of, staged, settings.out_dir)
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from datetime import date
from pathlib import Path

from flows.exports import tajian_version
from flows.memory import give_back_memory
from flows.report_data import read_report_data, report_texts
from flows.settings import Settings
from nlp.segments import load_segment
from report.build import RunOutputs, build_report, write_outputs
from store import leases, runs
from store.warehouse import discard_run, publish_run

__all__ = ["RunOutputs", "mark_run_failed", "publish_outputs", "report_step"]


def report_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> RunOutputs:
    """Write report.html, seeds.csv, seeds.xlsx, seeds.json and circles.gexf to a temporary
    folder inside ``out_dir``.

    :func:`publish_outputs` swaps it into ``out_dir/<segment>/<as_of>/``. The selection is read
    as plain JSON, so fields the selector adds later (bot scores, guarantee details) pass through.
    """
    definition = load_segment(segment, settings.segments_dir)
    give_back_memory()  # what the earlier steps freed in this process
    with runs.warehouse(warehouse) as con:
        data = read_report_data(con, run_id, segment, as_of, window_days, settings)
    texts = report_texts(definition, data, settings)  # takes funnel, backtest, word samples out
    inputs = build_report(**data, **texts, version=tajian_version())
    tmp = _make_staging(warehouse, Path(settings.out_dir), segment, as_of)
    try:
        return write_outputs(inputs, tmp)
    except BaseException:  # a full disk, say: no half-written staging folder stays behind
        shutil.rmtree(tmp, ignore_errors=True)
        leases.note(warehouse, segment, as_of, staging=None)
        raise


def _make_staging(warehouse: Path, out_root: Path, segment: str, as_of: date) -> Path:
    """A new hidden staging folder ``out_root/.<segment>-<as_of>-…``, recorded in the run's
    lease so that, should the process die, the next run of the day removes it."""
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{segment}-{as_of.isoformat()}-", dir=out_root))
    try:
        leases.note(warehouse, segment, as_of, staging=str(tmp.resolve()))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def publish_outputs(
    warehouse: Path, run_id: str, segment: str, as_of: date, staged: RunOutputs, out_dir: Path
) -> RunOutputs:
    """Swap the staged folder into ``out_dir/<segment>/<as_of>/`` and make the run the day's
    result (:func:`store.warehouse.publish_run`: its rows replace the day's other runs').

    :func:`store.leases.swap_in`: the old folder is moved aside, the staged one renamed into
    place, then the warehouse commits; if the commit fails the swap is undone, and the old folder
    is removed only after it. Each move is journalled in the day's lease first, so a run killed at
    any point is put back in order by the next run of the day: the files and the rows are both
    the old run's or both this run's.
    """
    final = Path(out_dir).resolve() / segment / as_of.isoformat()

    def commit() -> None:
        with runs.warehouse(warehouse) as con:
            publish_run(con, run_id, segment, as_of)

    done = leases.swap_in(
        Path(staged.folder), final, commit, functools.partial(leases.note, warehouse, segment, as_of)
    )
    lease = leases.held_lease(warehouse, segment, as_of)
    if lease is not None and done:
        lease.settled = True
    return RunOutputs(
        folder=final,
        report=final / "report.html",
        seeds_csv=final / "seeds.csv",
        seeds_json=final / "seeds.json",
        seeds_xlsx=final / "seeds.xlsx",
        circles_gexf=final / "circles.gexf",
    )


def mark_run_failed(
    warehouse: Path, run_id: str, error: str, segment: str | None = None, as_of: date | None = None
) -> bool:
    """Record a run's failure and leave nothing of it behind: its rows are removed and its run
    row marked failed with ``error`` (:func:`store.warehouse.discard_run`), and its staging
    folder and any half-done output swap recorded in the day's lease are undone.

    Never raises (the run's own error is the one to report): returns whether everything was
    cleaned up. When not (a full disk, a busy warehouse), the lease keeps its journal and the
    next run of the day finishes the job.
    """
    lease = leases.held_lease(warehouse, segment, as_of) if segment and as_of else None
    clean = True
    try:
        if lease is not None:
            leases.undo_files(lease.info, published=False)
            lease.note(staging=None, swap=None)
    except Exception:
        clean = False
    try:
        with runs.warehouse(warehouse) as con:
            discard_run(con, run_id, error)
    except Exception:
        clean = False
    if lease is not None and clean:
        lease.settled = True
    return clean
