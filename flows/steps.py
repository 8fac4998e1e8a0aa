"""The pipeline's steps as plain functions (no Prefect): each reads its inputs from the
warehouse, calls the libraries and writes its outputs back, so any step can be re-run alone.

Prefect tasks in :mod:`flows.pipeline` are thin wrappers around these.

Example:
    >>> from datetime import date
    >>> make_run_id("mothers", date(2026, 11, 15), 30, "20261121T220000")
    'mothers-2026-11-15-w30-20261121T220000'
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from flows.settings import Settings
from graph.build import build_influence_graph
from graph.communities import detect_circles
from graph.diffusion import DiffusionModel
from graph.eligibility import EligibilityRules, judge_eligibility
from graph.select import SeedSelection, select_amplifiers
from nlp.clean import clean_weibo_text
from nlp.segments import load_segment
from nlp.tagger import tag_user_segments
from nlp.words import top_distinctive_words
from report.html import ReportInputs, write_report
from report.seedlist import explain_seed, profile_url, write_seeds_csv, write_seeds_json
from store.readers import find_export_files, read_export
from store.warehouse import (
    LoadReport,
    fetch_users,
    fetch_window_interactions,
    fetch_window_posts,
    finish_run,
    load_batch,
    newest_post_date,
    open_warehouse,
    publish_run,
    start_run,
    window_bounds,
    write_seeds,
    write_selection,
    write_user_tags,
)

__all__ = [
    "RunOutputs",
    "begin_run",
    "city_of",
    "ingest_paths",
    "make_run_id",
    "mark_run_failed",
    "publish_outputs",
    "report_step",
    "resolve_as_of",
    "select_step",
    "tag_step",
    "tajian_version",
]


def tajian_version() -> str:
    try:
        return version("tajian")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


def ingest_paths(
    warehouse: Path, paths: Sequence[str | Path], fmt: str | None = None
) -> list[LoadReport]:
    """Load export files (folders are searched) into the warehouse, one transaction per file."""
    files = find_export_files(paths)
    if not files:
        raise FileNotFoundError(
            f"no export files found in {', '.join(map(str, paths))}; expected .jsonl/.json files"
        )
    con = open_warehouse(warehouse)
    try:
        return [load_batch(con, read_export(f, fmt)) for f in files]
    finally:
        con.close()


def resolve_as_of(warehouse: Path, as_of: date | None) -> date:
    """``as_of`` as given, or the Asia/Shanghai date of the newest post in the warehouse."""
    if as_of is not None:
        return as_of
    con = open_warehouse(warehouse, read_only=Path(warehouse).exists())
    try:
        newest = newest_post_date(con)
    finally:
        con.close()
    if newest is None:
        raise ValueError(
            f"{warehouse}: the warehouse has no posts, so there is no default as-of date; "
            "load exports first (tajian ingest PATH) or pass --as-of YYYY-MM-DD"
        )
    return newest


def make_run_id(segment: str, as_of: date, window_days: int, stamp: str | None = None) -> str:
    """A readable, unique run id: segment, day, window and a timestamp."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return f"{segment}-{as_of.isoformat()}-w{window_days}-{stamp}"


def begin_run(
    warehouse: Path, *, flow: str, segment: str, as_of: date, window_days: int,
    params: dict[str, Any],
) -> str:
    """Record the start of a run and return its id."""
    run_id = make_run_id(segment, as_of, window_days)
    con = open_warehouse(warehouse)
    try:
        start_run(con, run_id=run_id, flow=flow, segment=segment, as_of=as_of,
                  window_days=window_days, params=params)
    finally:
        con.close()
    return run_id


def tag_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, segments_dir: Path
) -> int:
    """Tag the segment's members among the window's authors; returns how many were tagged."""
    definition = load_segment(segment, segments_dir)
    start, end = window_bounds(as_of, window_days)
    con = open_warehouse(warehouse)
    try:
        posts = fetch_window_posts(con, start, end)
        tags = tag_user_segments(posts[["post_id", "user_id", "created_at", "text"]], definition)
        write_user_tags(con, run_id, tags)
    finally:
        con.close()
    return len(tags)


def _read_tags(con: Any, run_id: str) -> pd.DataFrame:
    return con.execute(
        "SELECT user_id, segment, score, n_posts, n_hits, evidence FROM user_tags "
        "WHERE run_id = ? ORDER BY score DESC, user_id",
        [run_id],
    ).df()


_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")


def city_of(location: Any) -> str | None:
    """The city in a Weibo profile location ("浙江 杭州" → 杭州; "上海 闵行区" → 上海).

    >>> city_of("浙江 杭州"), city_of("上海 闵行区"), city_of("其他"), city_of(None)
    ('杭州', '上海', None, None)
    """
    if not isinstance(location, str) or not location.strip():
        return None
    parts = location.split()
    if parts[0] in _MUNICIPALITIES:
        return parts[0]
    if parts[0] in ("其他", "海外") and len(parts) == 1:
        return None
    return parts[-1]


def select_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> dict[str, Any]:
    """Build the influence graph of the window, judge eligibility and select the seeds.

    Writes ``seeds`` and ``selections``; returns the selection as a dict.
    """
    start, end = window_bounds(as_of, window_days)
    con = open_warehouse(warehouse)
    try:
        tags = _read_tags(con, run_id)
        if tags.empty:
            raise ValueError(
                f"no {segment} members were tagged in the {window_days} days ending {as_of}; "
                "check the exports cover that window, or pick another --as-of"
            )
        edges = fetch_window_interactions(con, start, end)
        profiles = fetch_users(con, tags["user_id"])
        graph = build_influence_graph(
            edges, dict(settings.kind_weights), extra_users=tags["user_id"].tolist()
        )
        rules = EligibilityRules(
            min_score=settings.min_score,
            follower_cap=settings.follower_cap,
            exclude_verified_organisations=settings.exclude_verified_organisations,
        )
        judged = judge_eligibility(tags[["user_id", "score"]], profiles, rules)
        eligible = judged.loc[judged["eligible"], "user_id"].tolist()
        circles = detect_circles(graph, seed=settings.seed)
        cities = {u: city_of(loc) for u, loc in zip(profiles["user_id"], profiles["location"],
                                                  strict=True)}
        followers = {
            u: (None if pd.isna(f) else int(f))
            for u, f in zip(profiles["user_id"], profiles["followers"], strict=True)
        }
        k = min(settings.k, len(eligible)) if eligible else settings.k
        selection = select_amplifiers(
            graph,
            targets=tags["user_id"].tolist(),
            eligible=eligible,
            k=k,
            method=settings.method,
            model=DiffusionModel(settings.probability, settings.max_hops, settings.decay),
            seed=settings.seed,
            sample_size=settings.sample_size,
            n_simulations=settings.n_simulations,
            followers=followers,
            circles=circles,
            cities=cities,
            unknown_fields=dict(zip(judged["user_id"], judged["unknown_fields"], strict=True)),
            segment=segment,
            as_of=as_of,
            window_days=window_days,
            params={
                "eligibility": rules.as_dict(),
                "kind_weights": dict(settings.kind_weights),
                "k_requested": settings.k,
                "graph_users": graph.vcount(),
                "graph_edges": graph.ecount(),
            },
        )
        hits = dict(zip(tags["user_id"], tags["n_hits"], strict=True))
        seeds = pd.DataFrame(
            {
                "segment": segment,
                "rank": [s.rank for s in selection.seeds],
                "user_id": [s.user_id for s in selection.seeds],
                "marginal_reach": [s.marginal_reach for s in selection.seeds],
                "cumulative_reach": [s.cumulative_reach for s in selection.seeds],
                "community": [s.circle for s in selection.seeds],
                "reason": [
                    explain_seed(
                        marginal_reach=s.marginal_reach, cumulative_reach=s.cumulative_reach,
                        n_hits=int(hits.get(s.user_id, 0)), circle=s.circle, city=s.city,
                        segment_label=segment,
                    )
                    for s in selection.seeds
                ],
            }
        )
        write_seeds(con, run_id, seeds)
        doc = selection.to_dict()
        write_selection(con, run_id, segment, as_of, doc)
    finally:
        con.close()
    return doc


@dataclass(frozen=True)
class RunOutputs:
    """Where a run's deliverables are."""

    folder: Path
    report: Path
    seeds_csv: Path
    seeds_json: Path


def _is_synthetic(sources: Sequence[str], samples_dir: Path) -> bool:
    root = samples_dir.resolve()
    for s in sources:
        try:
            Path(s).resolve().relative_to(root)
            return True
        except ValueError:
            continue
    return False


def report_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> RunOutputs:
    """Write report.html, seeds.csv and seeds.json to a temporary folder inside ``out_dir``.

    :func:`publish_outputs` swaps it into ``out_dir/<segment>/<as_of>/``.
    """
    definition = load_segment(segment, settings.segments_dir)
    start, end = window_bounds(as_of, window_days)
    con = open_warehouse(warehouse)
    try:
        row = con.execute("SELECT selection FROM selections WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            raise ValueError(f"run {run_id} has no selection; run the select step first")
        selection = SeedSelection.from_dict(json.loads(row[0]))
        tags = _read_tags(con, run_id)
        posts = fetch_window_posts(con, start, end)
        seeds_table = con.execute(
            "SELECT rank, user_id, reason FROM seeds WHERE run_id = ? ORDER BY rank", [run_id]
        ).df()
        profiles = fetch_users(con, posts["user_id"].unique())
        loads = con.execute(
            """SELECT source, rows_read, loaded, duplicates, quarantined, users_added,
                      interactions_added FROM loads ORDER BY loaded_at, source"""
        ).df()
        quarantine = con.execute(
            """SELECT regexp_replace(reason, '^.*?, line \\d+: ', '') AS why, count(*) AS n
               FROM quarantine GROUP BY why ORDER BY n DESC, why LIMIT 20"""
        ).fetchall()
        pending = con.execute("SELECT count(*) FROM pending_interactions").fetchone()[0]
    finally:
        con.close()

    prof = profiles.set_index("user_id")
    tag = tags.set_index("user_id")
    rows = []
    for s, reason in zip(selection.seeds, seeds_table["reason"], strict=True):
        p = prof.loc[s.user_id] if s.user_id in prof.index else None
        t = tag.loc[s.user_id] if s.user_id in tag.index else None
        followers = None if p is None or pd.isna(p["followers"]) else int(p["followers"])
        rows.append(
            {
                "rank": s.rank,
                "user_id": s.user_id,
                "screen_name": None if p is None else p["screen_name"],
                "profile_url": profile_url(s.user_id),
                "followers": followers,
                "city": s.city,
                "circle": s.circle,
                "segment_score": None if t is None else float(t["score"]),
                "n_hits": None if t is None else int(t["n_hits"]),
                "marginal_reach": s.marginal_reach,
                "cumulative_reach": s.cumulative_reach,
                "reason": reason,
                "evidence": [] if t is None else json.loads(t["evidence"]),
            }
        )
    members = set(tags["user_id"])
    own = posts["text"].map(lambda t: clean_weibo_text(t).own_text)
    member_texts = own[posts["user_id"].isin(members)].tolist()
    words = top_distinctive_words(member_texts, own.tolist(), n=30,
                                  dictionary=definition.dictionary)
    sources = loads["source"].tolist()
    authors = set(posts["user_id"])
    inputs = ReportInputs(
        segment=segment,
        segment_label=segment,
        segment_description=definition.description,
        as_of=as_of,
        window_days=window_days,
        run_id=run_id,
        synthetic=_is_synthetic(sources, settings.samples_dir),
        selection=selection.to_dict(),
        seed_rows=rows,
        n_posts=len(posts),
        n_authors=len(authors),
        n_members=len(members),
        top_words=words,
        loads=loads.to_dict("records"),
        quarantine=[(r[0], int(r[1])) for r in quarantine],
        users_without_profile=len(authors - set(profiles["user_id"])),
        pending_interactions=int(pending),
        eligibility=EligibilityRules(**selection.params["eligibility"]).describe(),
        model_text=DiffusionModel(**selection.model).describe(),
        version=tajian_version(),
    )
    out_root = Path(settings.out_dir)
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{segment}-{as_of.isoformat()}-", dir=out_root))
    csv_rows = [{k: v for k, v in r.items() if k != "evidence"} for r in rows]
    return RunOutputs(
        folder=tmp,
        report=write_report(inputs, tmp / "report.html"),
        seeds_csv=write_seeds_csv(csv_rows, tmp / "seeds.csv"),
        seeds_json=write_seeds_json(selection.to_dict(), rows, tmp / "seeds.json"),
    )


def publish_outputs(
    warehouse: Path, run_id: str, segment: str, as_of: date, staged: RunOutputs, out_dir: Path
) -> RunOutputs:
    """Swap the staged folder into ``out_dir/<segment>/<as_of>/`` and make the run the day's result.

    The old folder is moved aside first and removed only after the swap, so a crash leaves
    either the old or the new folder in place, never a half-written one.
    """
    final = Path(out_dir) / segment / as_of.isoformat()
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:6]}")
        os.replace(final, old)
    os.replace(staged.folder, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    con = open_warehouse(warehouse)
    try:
        publish_run(con, run_id, segment, as_of)
    finally:
        con.close()
    return RunOutputs(
        folder=final,
        report=final / "report.html",
        seeds_csv=final / "seeds.csv",
        seeds_json=final / "seeds.json",
    )


def mark_run_failed(warehouse: Path, run_id: str, error: str) -> None:
    """Record a run's failure and its error."""
    con = open_warehouse(warehouse)
    try:
        finish_run(con, run_id, status="failed", error=error)
    finally:
        con.close()
