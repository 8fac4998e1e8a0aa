"""What the report of a run shows, read from the warehouse (the selection, tags, run_users, the
window's posts, loads, profiles, the seeds' circles of the graph) and the texts other rooms
write for it (members note, top words, eligibility rules, the model): the report step's inputs
(:func:`flows.steps.report_step` passes them to :func:`report.build.build_report`).

Example::

    with runs.warehouse(path) as con:
        data = read_report_data(con, run_id, "mothers", as_of, 30, settings)
    texts = report_texts(load_segment("mothers", settings.segments_dir), data, settings)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from flows.settings import Settings
from graph.build import build_influence_graph
from graph.diffusion import DiffusionModel
from graph.eligibility import EligibilityRules
from nlp.clean import clean_weibo_text
from nlp.segments import SegmentDefinition
from nlp.tagger import count_by_rule
from nlp.words import top_distinctive_words
from report.backtest import model_check_text
from report.html import members_note
from store import runs
from store.history import latest_backtest
from store.places import place_columns
from store.warehouse import (
    fetch_users,
    fetch_window_interactions,
    fetch_window_posts,
    read_run_users,
    read_tag_funnel,
    window_bounds,
)

__all__ = ["REPORT_TEXT_SAMPLE", "read_report_data", "report_texts"]


def _rules_note(
    definition: SegmentDefinition, tags: pd.DataFrame, funnel: dict[str, Any] | None, lang: str = "en"
) -> str:
    """How the members were found (:func:`report.html.members_note` with this run's figures)."""
    return members_note(definition.name, definition.post_scorer, count_by_rule(tags), tags, funnel, lang)


def _is_synthetic(sources: Sequence[str], samples_dir: Path) -> bool:
    root = samples_dir.resolve()
    for s in sources:
        try:
            Path(s).resolve().relative_to(root)
            return True
        except ValueError:
            continue
    return False


def read_report_data(
    con: Any, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> dict[str, Any]:
    """What the report shows, read from the warehouse (the selection, tags, run_users, the
    window's posts, loads, the previous run, profiles) plus the graph's parts it draws."""
    start, end = window_bounds(as_of, window_days)
    sel = runs.read_selection(con, run_id)
    if sel is None:
        raise ValueError(f"run {run_id} has no selection; run the select step first")
    backtest = latest_backtest(con)
    tags = runs.read_run_tags(con, run_id)
    decided = read_run_users(con, run_id)
    if decided.empty:
        raise ValueError(
            f"run {run_id} has no run_users rows (a run made before they were recorded): its report "
            f"cannot be written again; re-run the day: tajian run --segment {segment} --as-of {as_of}"
        )
    circles = {
        str(u): int(c) for u, c in zip(decided["user_id"], decided["circle"], strict=True) if pd.notna(c)
    }
    posts = fetch_window_posts(con, start, end)
    previous = runs.previous_run(con, run_id, segment)
    kind_weights = (sel.get("params") or {}).get("kind_weights") or dict(settings.kind_weights)
    seed_dicts = list(sel.get("seeds") or [])
    # the report draws the seeds' circles only: their part of the graph, not the whole window's
    near = _seed_circle_users(decided, seed_dicts)
    edges = fetch_window_interactions(con, start, end)
    edges = edges[edges["src_user"].isin(near) & edges["dst_user"].isin(near)]
    graph = build_influence_graph(edges, dict(kind_weights), extra_users=sorted(near))
    circle_nodes = _report_circle_nodes(graph, circles, seed_dicts, cap=20_000)
    dropped = set(previous["dropped_ids"] if previous else ())
    want = set(posts["user_id"]) | set(tags["user_id"]) | set(circle_nodes) | dropped
    profiles = place_columns(fetch_users(con, sorted(want)))
    names = {
        u: (None if pd.isna(n) else str(n))
        for u, n in zip(profiles["user_id"], profiles["screen_name"], strict=True)
    }
    cities_of = dict(zip(profiles["user_id"], profiles["city"], strict=True))
    levels_of = dict(zip(profiles["user_id"], profiles["place_level"], strict=True))
    ranked = [{"user_id": str(s["user_id"]), "rank": int(s["rank"])} for s in seed_dicts]
    return {
        "segment": segment,
        "as_of": as_of,
        "window_days": window_days,
        "run_id": run_id,
        "selection": sel,
        "tags": tags,
        "posts": posts,
        "profiles": profiles,
        "run_users": decided,
        "reasons": runs.read_seed_reasons(con, run_id),
        "loads": runs.read_loads(con),
        "quarantine": runs.quarantine_reasons(con, limit=20),
        "pending": runs.count_pending_interactions(con),
        "previous": previous,
        "cities_of": cities_of,
        "levels_of": levels_of,
        "circle_nodes": circle_nodes,
        "network": _report_network(graph, circles, ranked, names, cities_of, cap=600),
        "circle_edges": _report_edges(graph, set(circle_nodes)),
        "step_seconds": runs.read_run_steps(con, run_id),
        "funnel": read_tag_funnel(con, run_id),
        "backtest": backtest,
    }


def report_texts(definition: SegmentDefinition, data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The report's texts other rooms write (members note, top words, eligibility rules, the
    model and how well it predicted in the last backtest) and whether the data is the sample.
    Takes ``funnel`` and ``backtest`` out of ``data``."""
    sel, tags, posts = data["selection"], data["tags"], data["posts"]
    funnel, backtest = data.pop("funnel"), data.pop("backtest")
    member_posts = _text_sample(posts[posts["user_id"].isin(set(tags["user_id"]))])
    background = _text_sample(posts)
    own = pd.concat([member_posts["text"], background["text"]])
    own = own[~own.index.duplicated()]
    own = own.map(lambda t: clean_weibo_text(t).own_text)  # each post once, only the sampled ones
    words = top_distinctive_words(
        own.loc[member_posts.index].tolist(),
        own.loc[background.index].tolist(),
        n=30,
        dictionary=definition.dictionary,
    )
    try:
        eligibility = EligibilityRules(**(sel.get("params") or {}).get("eligibility", {})).describe()
    except TypeError:
        eligibility = [f"{k}: {v}" for k, v in ((sel.get("params") or {}).get("eligibility") or {}).items()]
    model = sel.get("model") or {}
    try:
        model_text = DiffusionModel(**model).describe()
    except (TypeError, ValueError):
        model_text = ", ".join(f"{k} {v}" for k, v in model.items())
    checked = model_check_text(backtest, str(model.get("probability", "")))
    return {
        "segment_description": definition.description,
        "synthetic": _is_synthetic(data["loads"]["source"].tolist(), settings.samples_dir),
        "members_note": _rules_note(definition, tags, funnel, settings.lang),
        "top_words": words,
        "eligibility": eligibility,
        "model_text": f"{model_text} {checked}" if checked else model_text,
        "lang": settings.lang,  # the report's language, and what its members are called in it
        "people": definition.called(settings.lang),
    }


#: The report's top words come from at most this many member posts and this many window posts
#: (a seeded random sample above it): tokenising every post of a 1M-user window took minutes.
REPORT_TEXT_SAMPLE = 20_000


def _text_sample(posts: pd.DataFrame, cap: int = REPORT_TEXT_SAMPLE) -> pd.DataFrame:
    """``posts`` as they are up to ``cap`` rows, else a seeded random ``cap`` of them, in order."""
    return posts if len(posts) <= cap else posts.sample(n=cap, random_state=0).sort_index()


def _seed_circle_users(decided: pd.DataFrame, seeds: Sequence[dict[str, Any]]) -> set[str]:
    """The seeds and everyone in their circles (``run_users``): the only users whose edges the
    report draws (:func:`_report_circle_nodes`, :func:`_report_network` keep same-circle edges)."""
    seed_ids = {str(s["user_id"]) for s in seeds}
    wanted = set(decided.loc[decided["user_id"].isin(seed_ids), "circle"].dropna())
    return seed_ids | set(decided.loc[decided["circle"].isin(wanted), "user_id"].astype(str))


def _report_circle_nodes(
    graph: Any, circles: dict[str, int], seeds: Sequence[dict[str, Any]], cap: int
) -> list[str]:
    """The seeds and the members of their circles (for circles.gexf), at most ``cap`` people."""
    seed_ids = [str(s["user_id"]) for s in seeds]
    wanted = {circles.get(u) for u in seed_ids} - {None}
    nodes = [u for u in graph.vs["name"] if circles.get(u) in wanted] if graph.vcount() else []
    if len(nodes) > cap:  # keep the seeds and their direct contacts inside the circle
        index = {n: i for i, n in enumerate(graph.vs["name"])}
        keep = set(seed_ids)
        for u in seed_ids:
            if u in index:
                keep.update(
                    graph.vs[v]["name"]
                    for v in graph.neighbors(index[u], mode="all")
                    if circles.get(graph.vs[v]["name"]) == circles.get(u)
                )
        nodes = sorted(keep)[:cap]
    return sorted(set(nodes) | set(seed_ids))


def _report_edges(graph: Any, keep: set[str]) -> list[tuple[str, str, float]]:
    if not graph.ecount():
        return []
    names = graph.vs["name"]
    weights = graph.es["weight"] if "weight" in graph.es.attributes() else [1.0] * graph.ecount()
    return [
        (names[a], names[b], float(w))
        for (a, b), w in zip(graph.get_edgelist(), weights, strict=True)
        if names[a] in keep and names[b] in keep
    ]


def _report_network(
    graph: Any,
    circles: dict[str, int],
    rows: Sequence[dict[str, Any]],
    names: dict[str, Any],
    cities: dict[str, str | None],
    cap: int,
) -> dict[str, Any]:
    """The picture's data: the seeds and their strongest contacts inside their own circle."""
    index = {n: i for i, n in enumerate(graph.vs["name"])} if graph.vcount() else {}
    per_seed = max(2, cap // max(1, len(rows)) - 1)
    chosen: dict[str, int | None] = {r["user_id"]: r["rank"] for r in rows}
    weights = graph.es["weight"] if graph.ecount() and "weight" in graph.es.attributes() else None
    for r in rows:
        u = r["user_id"]
        if u not in index:
            continue
        contacts: dict[str, float] = {}
        for e in graph.incident(index[u], mode="all"):
            a, b = graph.es[e].tuple
            other = graph.vs[b if a == index[u] else a]["name"]
            if circles.get(other) == circles.get(u):
                contacts[other] = contacts.get(other, 0.0) + (weights[e] if weights else 1.0)
        for other, _ in sorted(contacts.items(), key=lambda x: (-x[1], x[0]))[:per_seed]:
            chosen.setdefault(other, None)
    keep = set(chosen)
    nodes = [
        {"id": u, "label": names.get(u) or u, "circle": circles.get(u), "rank": rank, "city": cities.get(u)}
        for u, rank in chosen.items()
    ]
    edges = [(a, b) for a, b, _ in _report_edges(graph, keep)]
    return {"nodes": nodes, "edges": edges}
