"""The pipeline's steps as plain functions (no Prefect): each reads its inputs from the
warehouse, calls the libraries and writes its outputs back, so any step can be re-run alone.

Prefect tasks in :mod:`flows.pipeline` are thin wrappers around these.

Example:
    >>> from datetime import date
    >>> make_run_id("mothers", date(2026, 11, 15), 30, "20261121T220000")
    'mothers-2026-11-15-w30-20261121T220000'
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from flows.messages import UserError, no_members_line
from flows.report_data import read_report_data as _read_report_data
from flows.report_data import report_texts as _report_texts
from flows.settings import Settings
from graph.run_select import select_for_run
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import (
    TagResult,
    merge_funnels,
    merge_shard_tags,
    profiles_of,
    split_by_user_shard,
    tag_users,
    window_prior,
)
from report.build import RunOutputs, build_report, write_outputs
from report.seedlist import explain_seed
from store import leases, runs
from store.fields import city_of
from store.history import fetch_repost_history
from store.readers import find_export_files, read_export
from store.warehouse import (
    LoadReport,
    attach_author_profiles,
    discard_run,
    fetch_context_texts,
    fetch_users,
    fetch_window_interactions,
    fetch_window_posts,
    load_batch,
    newest_post_date,
    open_warehouse,
    publish_run,
    read_tag_funnel,
    start_run,
    window_bounds,
    write_run_users,
    write_seeds,
    write_selection,
    write_tag_funnel,
    write_user_tags,
)

__all__ = [
    "RunOutputs",
    "begin_run",
    "code_version",
    "estimate_prior",
    "export_cache_key",
    "export_files",
    "ingest_paths",
    "load_export",
    "load_post_classifier",
    "make_run_id",
    "mark_run_failed",
    "publish_outputs",
    "read_tag_shards",
    "record_step_time",
    "report_step",
    "resolve_as_of",
    "select_step",
    "tag_shard",
    "tag_step",
    "tajian_version",
    "write_tags",
]


def tajian_version() -> str:
    try:
        return version("tajian")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


@functools.cache
def code_version() -> str:
    """Tajian's version plus a hash of the reader code (``store/*.py``): part of every cache key,
    so a changed parser never serves a batch parsed by the old one."""
    digest = hashlib.sha256(tajian_version().encode())
    for source in sorted((Path(__file__).resolve().parents[1] / "store").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def export_files(paths: Sequence[str | Path]) -> list[Path]:
    """The export files in ``paths`` (folders searched), or a clear error when there are none."""
    files = find_export_files(paths)
    if not files:
        raise FileNotFoundError(
            f"no export files found in {', '.join(map(str, paths))}; expected .jsonl/.json/.csv files"
        )
    return files


def export_cache_key(path: str | Path, fmt: str | None = None) -> str:
    """The cache key of parsing one export file: cheap to compute (code version, the file's
    absolute path, size and modification time, the format), never the file's contents.

    >>> export_cache_key(__file__).startswith("parse-export:")
    True
    """
    p = Path(path).resolve()
    st = p.stat()
    return f"parse-export:{code_version()}:{p}:{st.st_size}:{st.st_mtime_ns}:{fmt or 'auto'}"


def load_export(warehouse: Path, batch: Any) -> LoadReport:
    """Load one parsed export (an ``ExportBatch``) into the warehouse, in one transaction."""
    with runs.warehouse(warehouse) as con:
        return load_batch(con, batch)


def ingest_paths(warehouse: Path, paths: Sequence[str | Path], fmt: str | None = None) -> list[LoadReport]:
    """Load export files (folders are searched) into the warehouse, one transaction per file."""
    files = export_files(paths)
    with runs.warehouse(warehouse) as con:
        return [load_batch(con, read_export(f, fmt)) for f in files]


def resolve_as_of(warehouse: Path, as_of: date | None, *, today: date | None = None) -> date:
    """``as_of`` as given, or the Asia/Shanghai date of the newest post in the warehouse that is
    not after ``today`` (default: today in Asia/Shanghai): the default never passes today."""
    if as_of is not None:
        return as_of
    from zoneinfo import ZoneInfo

    today = today or datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with runs.warehouse(warehouse, read_only=Path(warehouse).exists()) as con:
        newest = newest_post_date(con, not_after=today)
        later = newest is None and newest_post_date(con) is not None
    if newest is None:
        what = f"every post in it is dated after today ({today})" if later else "the warehouse has no posts"
        raise ValueError(
            f"{warehouse}: {what}, so there is no default as-of date; "
            "load exports first (tajian ingest PATH) or pass --as-of YYYY-MM-DD"
        )
    return newest


def make_run_id(segment: str, as_of: date, window_days: int, stamp: str | None = None) -> str:
    """A readable, unique run id: segment, day, window and a timestamp."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return f"{segment}-{as_of.isoformat()}-w{window_days}-{stamp}"


def begin_run(
    warehouse: Path,
    *,
    flow: str,
    segment: str,
    as_of: date,
    window_days: int,
    params: dict[str, Any],
) -> str:
    """Record the start of a run and return its id.

    The run id goes into the day's lease (when this process holds it) before the run row is
    written, so the row of a run killed from here on is found and marked failed by the next run.
    """
    run_id = make_run_id(segment, as_of, window_days)
    leases.note(warehouse, segment, as_of, run_id=run_id)
    con = open_warehouse(warehouse)
    try:
        start_run(
            con,
            run_id=run_id,
            flow=flow,
            segment=segment,
            as_of=as_of,
            window_days=window_days,
            params=params,
        )
    finally:
        con.close()
    return run_id


def load_post_classifier(definition: SegmentDefinition, segments_dir: Path) -> Any | None:
    """The segment's trained post classifier when its ``post_scorer`` is ``"classifier"``
    (``<data>/models/<segment>.joblib`` beside the segments folder), else None (the lexicon rules
    score posts). A segment not trained yet (no model file) is scored by its rules; a model whose
    sidecar does not match this environment is refused with a message saying to retrain it."""
    if definition.post_scorer != "classifier":
        return None
    models = Path(segments_dir).parent / "models"
    if not (models / f"{definition.name}.joblib").is_file():
        return None  # not trained yet: the rules score posts (the run says so: segment_status)
    from nlp.model_files import load_model  # scikit-learn: only when a segment asks for it

    return load_model(definition.name, models, segments_dir=segments_dir)


def read_tag_shards(warehouse: Path, as_of: date, window_days: int, shards: int = 1) -> list[pd.DataFrame]:
    """The window's posts (the columns tagging needs) split into ``shards`` user shards
    (:func:`nlp.tagger.split_by_user_shard`: a user's posts are always in one shard)."""
    start, end = window_bounds(as_of, window_days)
    with runs.warehouse(warehouse) as con:
        posts = fetch_window_posts(con, start, end)
        posts["context"] = fetch_context_texts(con, posts)
        # each post carries its author's screen name and bio: a shard holds all a tagger needs
        posts = attach_author_profiles(con, posts)
    columns = ["post_id", "user_id", "created_at", "text", "context", "screen_name", "bio"]
    return split_by_user_shard(posts[columns], shards, own_text=True)


def estimate_prior(shards: Sequence[pd.DataFrame], segment: str, segments_dir: Path) -> float | None:
    """The share of segment posts in the whole window (all shards), for every shard to use."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    posts = pd.concat(list(shards), ignore_index=True) if shards else pd.DataFrame({"text": []})
    return window_prior(posts, definition, classifier)


def tag_shard(posts: pd.DataFrame, segment: str, segments_dir: Path, prior: float | None = None) -> TagResult:
    """Tag the segment's members among the authors of ``posts`` (one user shard, or all), at the
    window's ``prior`` (:func:`estimate_prior`; None: the classifier's own setting), reading the
    authors' screen names and bios (columns ``screen_name``, ``bio`` when present) as profiles."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    return tag_users(
        posts,
        definition,
        classifier=classifier,
        prior=prior,
        profiles=profiles_of(posts),
        prior_estimated=prior is not None,
    )


def write_tags(warehouse: Path, run_id: str, shard_tags: Sequence[TagResult]) -> int:
    """Merge the shards' tags (same rows and order as unsharded tagging) and funnels, and store
    them once as the run's ``user_tags`` and ``tag_funnels``; returns how many members were tagged."""
    tags = merge_shard_tags([r.tags for r in shard_tags])
    funnel = merge_funnels([r.funnel for r in shard_tags])
    segment = str(tags["segment"].iloc[0]) if len(tags) else ""
    with runs.warehouse(warehouse) as con:
        write_user_tags(con, run_id, tags)
        write_tag_funnel(con, run_id, segment, funnel.as_dict())
    return len(tags)


def tag_step(
    warehouse: Path,
    run_id: str,
    segment: str,
    as_of: date,
    window_days: int,
    segments_dir: Path,
    shards: int = 1,
) -> int:
    """Tag the segment's members among the window's authors; returns how many were tagged.

    The flow runs the same three parts as separate tasks (the shards in parallel); here the
    shards run one after the other, which gives the same result.
    """
    parts = read_tag_shards(warehouse, as_of, window_days, shards)
    prior = estimate_prior(parts, segment, segments_dir)
    return write_tags(warehouse, run_id, [tag_shard(p, segment, segments_dir, prior) for p in parts])


def select_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> dict[str, Any]:
    """Build the influence graph of the window, judge eligibility and select the seeds
    (:func:`graph.run_select.select_for_run`).

    Writes ``seeds``, ``run_users`` and ``selections``; returns the selection as a dict.
    """
    start, end = window_bounds(as_of, window_days)
    with runs.warehouse(warehouse) as con:
        tags = runs.read_run_tags(con, run_id)
        if tags.empty:  # say where the funnel stopped, not "check the exports"
            raise UserError(
                no_members_line(
                    segment,
                    window_days,
                    as_of.isoformat(),
                    len(fetch_window_posts(con, start, end)),
                    read_tag_funnel(con, run_id),
                    str(Path(settings.segments_dir) / f"{segment}.toml"),
                )
            )
        profiles = fetch_users(con, tags["user_id"])
        learned = settings.probability == "learned"  # learns from the repost history before the window ends
        chosen = select_for_run(
            tags,
            fetch_window_interactions(con, start, end),
            profiles.assign(city=profiles["location"].map(city_of)),
            fetch_window_posts(con, start, end),
            settings.select_options(),
            segment=segment,
            as_of=as_of,
            window_days=window_days,
            history=fetch_repost_history(con, until=end).posts if learned else None,
        )
        write_seeds(con, run_id, chosen.seeds_frame(explain_seed))
        decided = runs.run_users_frame(
            chosen.users,
            circles=chosen.circles,
            cities=chosen.cities,
            judged=chosen.judged,
            activity=chosen.activity,
        )
        write_run_users(con, run_id, decided)
        doc = chosen.document()
        write_selection(con, run_id, segment, as_of, doc)
    return doc


def record_step_time(warehouse: Path, run_id: str, step: str, seconds: float) -> None:
    """Keep how long a step of the run took (:func:`store.runs.record_step`)."""
    with runs.warehouse(warehouse) as con:
        runs.record_step(con, run_id, step, round(seconds, 3))


def report_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> RunOutputs:
    """Write report.html, seeds.csv, seeds.xlsx, seeds.json and circles.gexf to a temporary
    folder inside ``out_dir``.

    :func:`publish_outputs` swaps it into ``out_dir/<segment>/<as_of>/``. The selection is read
    as plain JSON, so fields the selector adds later (bot scores, guarantee details) pass through.
    """
    definition = load_segment(segment, settings.segments_dir)
    with runs.warehouse(warehouse) as con:
        data = _read_report_data(con, run_id, segment, as_of, window_days, settings)
    texts = _report_texts(definition, data, settings)  # takes funnel and backtest out of data
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
        con = open_warehouse(warehouse)
        try:
            publish_run(con, run_id, segment, as_of)
        finally:
            con.close()

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
        con = open_warehouse(warehouse)
        try:
            discard_run(con, run_id, error)
        finally:
            con.close()
    except Exception:
        clean = False
    if lease is not None and clean:
        lease.settled = True
    return clean
