"""What the report of a run shows, read from the warehouse (the selection, tags, run_users, the
window's posts, loads, profiles, the seeds' circles of the graph) and the texts other rooms
write for it (members note, top words, eligibility rules, the model): the report step's inputs
(:func:`flows.publish.report_step` passes them to :func:`report.build.build_report`).

Example::

    with runs.warehouse(path) as con:
        data = read_report_data(con, run_id, "mothers", as_of, 30, settings)
    texts = report_texts(load_segment("mothers", settings.segments_dir), data, settings)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from flows.settings import Settings
from graph.circle_view import seed_circle_users, seed_circle_view
from graph.run_select import describe_selection
from nlp.segment_status import segment_status
from nlp.segments import SegmentDefinition
from nlp.tagger import count_by_rule
from nlp.words import sample_positions, sampled_top_words
from report.backtest import model_check_text
from report.build import is_sample_data, screen_names
from report.html import members_note
from store import runs
from store.history import latest_backtest
from store.places import place_columns
from store.report_rows import (
    count_window_posts,
    fetch_sample_texts,
    fetch_window_interactions_among,
    fetch_window_posts_no_text_of,
    member_activity,
    read_run_tags_shown,
)
from store.warehouse import (
    fetch_users,
    read_run_users,
    read_tag_funnel,
    window_author_gaps,
    window_bounds,
)

__all__ = ["read_report_data", "report_texts"]


def read_report_data(
    con: Any, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> dict[str, Any]:
    """What the report shows, read from the warehouse (the selection, tags, run_users, the
    window's posts, loads, the previous run, profiles) plus the graph's parts it draws."""
    start, end = window_bounds(as_of, window_days)
    sel, decided = _read_decisions(con, run_id, segment, as_of)
    backtest = latest_backtest(con)
    seeds = list(sel.get("seeds") or [])
    seed_ids = [str(s["user_id"]) for s in seeds]
    # the rows the report shows: the seeds' evidence and posts (no texts), the members' posts
    # counted by day and hour, the texts of the top words' samples, the seeds' circles' edges
    tags = read_run_tags_shown(con, run_id, seed_ids)
    members = tags["user_id"]
    posts = fetch_window_posts_no_text_of(con, start, end, seed_ids)  # engagement, the seeds' portrait
    activity = member_activity(con, start, end, members)  # the members' posts, counted
    n_posts = count_window_posts(con, start, end)
    # the top words' samples' texts: which posts depends only on how many there are
    texts = fetch_sample_texts(
        con, start, end, members, sample_positions(activity["posts"]), sample_positions(n_posts)
    )
    previous = runs.previous_run(con, run_id, segment)
    kind_weights = (sel.get("params") or {}).get("kind_weights") or dict(settings.kind_weights)
    edges = fetch_window_interactions_among(con, start, end, seed_circle_users(decided, seeds))
    # the report draws the seeds' circles only: their part of the graph, not the whole window's
    view = seed_circle_view(edges, decided, seeds, kind_weights)
    dropped = set(previous["dropped_ids"] if previous else ())
    # the profiles the report shows (members, seeds, circles' nodes, the dropped seeds), not every
    # author's (1M at 1M users): the authors' gaps are counted in the warehouse
    want = set(members) | set(seed_ids) | set(view.circle_nodes) | dropped
    profiles = place_columns(fetch_users(con, want))
    names = screen_names(profiles)
    cities_of = dict(zip(profiles["user_id"].tolist(), profiles["city"].tolist(), strict=True))
    return {
        "segment": segment,
        "as_of": as_of,
        "window_days": window_days,
        "run_id": run_id,
        "selection": sel,
        "tags": tags,
        "posts": posts,
        "n_posts": n_posts,
        "member_activity": activity,
        "word_samples": texts,
        "profiles": profiles,
        "run_users": decided,
        "reasons": runs.read_seed_reasons(con, run_id),
        "loads": runs.read_loads(con),
        "quarantine": runs.quarantine_reasons(con, limit=20),
        "pending": runs.count_pending_interactions(con),
        "previous": previous,
        "cities_of": cities_of,
        "levels_of": dict(zip(profiles["user_id"], profiles["place_level"], strict=True)),
        "circle_nodes": view.circle_nodes,
        "network": view.network(names, cities_of),
        "circle_edges": view.circle_edges,
        "step_seconds": runs.read_run_steps(con, run_id),
        "funnel": read_tag_funnel(con, run_id),
        "backtest": backtest,
        "author_gaps": window_author_gaps(con, start, end),
    }


def _read_decisions(con: Any, run_id: str, segment: str, as_of: date) -> tuple[dict[str, Any], pd.DataFrame]:
    """The run's selection and ``run_users``, or an error saying what to run first."""
    sel = runs.read_selection(con, run_id)
    if sel is None:
        raise ValueError(f"run {run_id} has no selection; run the select step first")
    decided = read_run_users(con, run_id)
    if decided.empty:
        raise ValueError(
            f"run {run_id} has no run_users rows (a run made before they were recorded): its report "
            f"cannot be written again; re-run the day: tajian run --segment {segment} --as-of {as_of}"
        )
    return sel, decided


def report_texts(definition: SegmentDefinition, data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The report's texts other rooms write (members note, top words, eligibility rules, the
    model and how well it predicted in the last backtest) and whether the data is the sample.
    Takes ``funnel``, ``backtest`` and ``word_samples`` out of ``data``."""
    sel, tags = data["selection"], data["tags"]
    funnel, backtest = data.pop("funnel"), data.pop("backtest")
    member_texts, window_texts = data.pop("word_samples")
    eligibility, model_text = describe_selection(sel)
    checked = model_check_text(backtest, str((sel.get("model") or {}).get("probability", "")), settings.lang)
    return {
        "segment_description": definition.description,
        "synthetic": is_sample_data(data["loads"]["source"].tolist(), settings.samples_dir),
        "members_note": members_note(
            definition.name, definition.post_scorer, count_by_rule(tags), tags, funnel, settings.lang
        ),
        "top_words": sampled_top_words(
            member_texts, window_texts, dictionary=definition.dictionary, data_dir=definition.data_dir
        ),
        "eligibility": eligibility,
        "model_text": f"{model_text} {checked}" if checked else model_text,
        "lang": settings.lang,  # the report's language, and what its members are called in it
        "people": definition.called(settings.lang),
        # draft or not, model or rules, measured on labelled posts or not (the report says which)
        "segment_status": segment_status(definition.name, settings.segments_dir),
    }
