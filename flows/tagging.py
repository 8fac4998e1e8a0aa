"""The tagging step: the window's posts in user shards, the window's prior, each shard's members
tagged (:func:`nlp.tagger.tag_users`), then the shards' tags merged and stored once.

Example::

    parts = read_tag_shards(warehouse, as_of, 30, shards=4)
    prior = estimate_prior(parts, "mothers", segments_dir)
    write_tags(warehouse, run_id, [tag_shard(p, "mothers", segments_dir, prior) for p in parts])
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

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
from store import runs
from store.warehouse import (
    attach_author_profiles,
    fetch_context_texts,
    fetch_window_posts,
    window_bounds,
    write_tag_funnel,
    write_user_tags,
)

__all__ = ["estimate_prior", "load_post_classifier", "read_tag_shards", "tag_shard", "tag_step", "write_tags"]


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
