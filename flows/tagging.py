"""The tagging step: the window's posts in user shards, each shard's posts scored by the post
classifier, the window's prior from all shards' probabilities, each shard's members tagged
(:func:`nlp.tagger.tag_users`), then the shards' tags merged and stored once.

The post classifier scores each post once: :func:`score_shard` gives a shard's probabilities
(one task per shard in the flow, so the shards are scored in parallel), :func:`estimate_prior`
reads them all (the prior is the window's, whatever the shards), and :func:`tag_shard` decides
the shard's posts with them instead of scoring them again. Without them, :func:`estimate_prior`
scores the whole window itself and leaves each post's probability on its shard (column
:data:`nlp.tagger.POST_PROBA`), which :func:`tag_shard` reads (a shard without either is scored
there).

:func:`tag_step` (the flow's step in one process) holds one shard at a time: each shard read
alone (:func:`read_tag_shard`), scored, reduced to what the prior needs
(:func:`nlp.tag_shards.prior_pairs`) and set aside on disk; :func:`prior_from_pairs`; then each
shard read back and tagged. Its memory follows the shard (about
:data:`nlp.tag_shards.POSTS_PER_SHARD` posts), not the window.

Example::

    parts = read_tag_shards(warehouse, as_of, 30, shards=4)
    proba = [score_shard(p, "mothers", segments_dir) for p in parts]
    prior = estimate_prior(parts, "mothers", segments_dir, proba)
    tags = [tag_shard(p, "mothers", segments_dir, prior, q) for p, q in zip(parts, proba)]
    write_tags(warehouse, run_id, tags)
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nlp.segments import SegmentDefinition, load_segment
from nlp.tag_shards import (
    PriorPairs,
    ScoredPairs,
    pairs_prior,
    shard_count,
    shard_probabilities,
    shard_users,
)
from nlp.tagger import (
    POST_PROBA,
    TagResult,
    merge_funnels,
    merge_shard_tags,
    post_probabilities,
    profiles_of,
    score_window,
    shards_prior,
    split_by_user_shard,
    tag_users,
)
from store import runs
from store.warehouse import (
    attach_author_profiles,
    fetch_context_texts,
    fetch_window_authors,
    fetch_window_posts,
    fetch_window_posts_of,
    window_bounds,
    write_tag_funnel,
    write_user_tags,
)

__all__ = [
    "estimate_prior",
    "load_post_classifier",
    "prior_from_pairs",
    "read_tag_shard",
    "read_tag_shards",
    "score_shard",
    "score_shard_once",
    "tag_shard",
    "tag_shard_users",
    "tag_step",
    "write_tags",
]


def load_post_classifier(definition: SegmentDefinition, segments_dir: Path) -> Any | None:
    """The segment's trained post classifier when its ``post_scorer`` is ``"classifier"``
    (``<data>/models/<segment>.joblib`` beside the segments folder), else None (the lexicon rules
    score posts). A segment not trained yet (no model file) is scored by its rules; a model whose
    sidecar does not match this environment is refused with a message saying to retrain it.
    The model is loaded once per process while its files stay the same (the prior and every
    shard of a run share it)."""
    if definition.post_scorer != "classifier":
        return None
    models = Path(segments_dir).parent / "models"
    model = models / f"{definition.name}.joblib"
    if not model.is_file():
        return None  # not trained yet: the rules score posts (the run says so: segment_status)
    files = (model, model.with_name(model.name + ".json"), Path(segments_dir) / f"{definition.name}.toml")
    return _load_model(definition.name, models, Path(segments_dir), tuple(map(_stamp, files)))


def _stamp(path: Path) -> tuple[int, int] | None:
    """(modification time, size) of a file, None when there is none: a cache key that changes
    when the file does."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _load_model(segment: str, models: Path, segments_dir: Path, stamp: tuple) -> Any:
    del stamp  # cache key only: a changed model, sidecar or segment file is loaded (and checked) again
    from nlp.model_files import load_model  # scikit-learn: only when a segment asks for it

    return load_model(segment, models, segments_dir=segments_dir)


def _proba_column(segment: str) -> str:
    """The shard column holding the window's post probabilities for ``segment``."""
    return f"{POST_PROBA}:{segment}"


def read_tag_shards(warehouse: Path, as_of: date, window_days: int, shards: int = 1) -> list[pd.DataFrame]:
    """The window's posts (the columns tagging needs) split into ``shards`` user shards
    (:func:`nlp.tagger.split_by_user_shard`: a user's posts are always in one shard)."""
    start, end = window_bounds(as_of, window_days)
    with runs.warehouse(warehouse) as con:
        posts = fetch_window_posts(con, start, end)
        posts["context"] = fetch_context_texts(con, posts)
        # each post carries its author's screen name and bio: a shard holds all a tagger needs
        posts = attach_author_profiles(con, posts)
    return split_by_user_shard(posts[_TAG_COLUMNS], shards, own_text=True)


#: the columns of the window's posts the tagger reads
_TAG_COLUMNS = ["post_id", "user_id", "created_at", "text", "context", "screen_name", "bio"]


def tag_shard_users(
    warehouse: Path, as_of: date, window_days: int, shards: int | None = None
) -> list[list[str]]:
    """The window's authors in user shards (:func:`nlp.tag_shards.shard_users`): ``shards`` of
    them, or, None, as many as the window's size asks (:func:`nlp.tag_shards.shard_count`)."""
    with runs.warehouse(warehouse) as con:
        authors, n_posts = fetch_window_authors(con, *window_bounds(as_of, window_days))
    return shard_users(authors, shard_count(n_posts) if shards is None else shards)


def read_tag_shard(warehouse: Path, as_of: date, window_days: int, users: Sequence[str]) -> pd.DataFrame:
    """The window's posts of ``users`` (one user shard of :func:`tag_shard_users`), read from the
    warehouse alone: the same rows, columns and order as that shard of :func:`read_tag_shards`."""
    start, end = window_bounds(as_of, window_days)
    with runs.warehouse(warehouse) as con:
        posts = fetch_window_posts_of(con, start, end, users)
        posts["context"] = fetch_context_texts(con, posts)
        posts = attach_author_profiles(con, posts)
    return split_by_user_shard(posts[_TAG_COLUMNS], 1, own_text=True)[0]


def score_shard(posts: pd.DataFrame, segment: str, segments_dir: Path) -> np.ndarray | None:
    """The segment's post classifier's probability of each of ``posts`` (one user shard, or all;
    :func:`nlp.tagger.post_probabilities`: each distinct own text and context scored once), for
    :func:`estimate_prior` and :func:`tag_shard`; None when the segment's rules score its posts
    (no classifier)."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    if classifier is None:
        return None
    if posts.empty:
        return np.zeros(0)
    return post_probabilities(posts, classifier)


def score_shard_once(
    posts: pd.DataFrame, segment: str, segments_dir: Path, known: ScoredPairs
) -> tuple[np.ndarray | None, PriorPairs | None]:
    """:func:`score_shard` of ``posts`` (one user shard) and what the prior needs of them
    (:func:`nlp.tag_shards.prior_pairs`), scoring only the (own text, context) pairs earlier
    shards did not (``known``, which remembers this shard's); ``(None, None)`` when the
    segment's rules score its posts."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    if classifier is None:
        return None, None
    return shard_probabilities(posts, classifier, known)


def estimate_prior(
    shards: Sequence[pd.DataFrame],
    segment: str,
    segments_dir: Path,
    probabilities: Sequence[np.ndarray | None] | None = None,
) -> float | None:
    """The share of segment posts in the whole window (all shards), for every shard to use.

    ``probabilities``: each shard's :func:`score_shard`, in the order of ``shards``: the prior
    is estimated from them, as from the whole window scored at once (each distinct own text and
    context counted once, in the window's order), without scoring a post. Without them, with a
    post classifier, every shard's posts are scored here, once, and each shard keeps its posts'
    probabilities (a column added to the shard frames given), so that :func:`tag_shard` does not
    score them again."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    if probabilities is None:
        return score_window(list(shards), definition, classifier, _proba_column(segment))
    return shards_prior(shards, probabilities, definition, classifier)


def prior_from_pairs(pairs: Sequence[PriorPairs | None], segment: str, segments_dir: Path) -> float | None:
    """:func:`estimate_prior` from what each shard left (:func:`nlp.tag_shards.prior_pairs` of its
    posts and :func:`score_shard`; None: a shard the rules scored), once the shards are freed."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    return pairs_prior([p for p in pairs if p is not None], classifier)


def tag_shard(
    posts: pd.DataFrame,
    segment: str,
    segments_dir: Path,
    prior: float | None = None,
    proba: np.ndarray | None = None,
) -> TagResult:
    """Tag the segment's members among the authors of ``posts`` (one user shard, or all), at the
    window's ``prior`` (:func:`estimate_prior`; None: the classifier's own setting), reading the
    authors' screen names and bios (columns ``screen_name``, ``bio`` when present) as profiles,
    and the posts' probabilities: ``proba`` (:func:`score_shard` of this shard), else those
    :func:`estimate_prior` left on the shard when it did, else none (the posts are scored here)."""
    definition = load_segment(segment, segments_dir)
    classifier = load_post_classifier(definition, segments_dir)
    column = _proba_column(segment)
    if classifier is None:
        proba = None
    elif proba is None and column in posts.columns:
        proba = posts[column].to_numpy()
    return tag_users(
        posts,
        definition,
        classifier=classifier,
        prior=prior,
        profiles=profiles_of(posts),
        prior_estimated=prior is not None,
        post_proba=proba,
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
    shards: int | None = None,
) -> int:
    """Tag the segment's members among the window's authors; returns how many were tagged.

    One user shard in memory at a time (``shards`` of them; None: as many as the window's size
    asks, :func:`nlp.tag_shards.shard_count`): each read and scored (a pair an earlier shard
    scored is not scored again), what the prior needs kept (:func:`nlp.tag_shards.prior_pairs`)
    and the shard set aside on disk; then the window's prior;
    then each shard read back and tagged. The flow's parallel path runs the same parts as tasks;
    the tags never depend on the shards.
    """
    users = tag_shard_users(warehouse, as_of, window_days, shards)
    with tempfile.TemporaryDirectory(prefix="tajian-tag-") as spill:
        parts: list[pd.DataFrame | Path] = []
        proba: list[np.ndarray | None] = []
        pairs: list[PriorPairs | None] = []
        known = ScoredPairs()
        for i, shard_users_ in enumerate(users):
            part = read_tag_shard(warehouse, as_of, window_days, shard_users_)
            q, kept = score_shard_once(part, segment, segments_dir, known)
            proba.append(q)
            pairs.append(kept)
            parts.append(part if len(users) == 1 else _set_aside(part, Path(spill) / f"shard-{i}.pkl"))
            del part
        prior = prior_from_pairs(pairs, segment, segments_dir)
        tags = [
            tag_shard(_taken_back(part), segment, segments_dir, prior, q)
            for part, q in zip(parts, proba, strict=True)
        ]
    return write_tags(warehouse, run_id, tags)


def _set_aside(part: pd.DataFrame, path: Path) -> Path:
    """``part`` pickled to ``path`` (read back by :func:`_taken_back`, exactly: dtypes, index)."""
    part.to_pickle(path)
    return path


def _taken_back(part: pd.DataFrame | Path) -> pd.DataFrame:
    """A shard set aside by :func:`_set_aside` (its file removed once read), or the shard itself."""
    if isinstance(part, pd.DataFrame):
        return part
    frame = pd.read_pickle(part)
    part.unlink()
    return frame
