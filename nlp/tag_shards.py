"""Tagging a window one user shard at a time, in bounded memory: how many shards, which authors
each holds, and the window's prior from what each shard leaves behind once it is freed.

:func:`nlp.tagger.window_prior` reads the distinct (own text, context) pairs of the whole window,
in the window's order, with their probabilities. :func:`prior_pairs` keeps of one shard only
what that needs: each distinct pair's 128-bit key (two SipHash-2-4 digests, keyed differently),
the window position of its first post (``created_at``, ``post_id``: the window's order) and its
probability, about 40 bytes a pair instead of its texts. :func:`pairs_prior` puts the shards'
pairs back in the window's order, keeps each pair's first appearance and decides the prior from
exactly the probabilities :func:`~nlp.tagger.window_prior` would have read (the same numbers in
the same order: the same float sums). Two different pairs share a key with a chance of about
n² / 2¹²⁹ (10⁻²⁶ for two million pairs).

Example::

    users = shard_users(authors, shard_count(n_posts))
    kept = [prior_pairs(posts_of(u), post_probabilities(posts_of(u), model)) for u in users]
    prior = pairs_prior(kept, model)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.util import hash_array

from nlp.tagger import (
    PostClassifierLike,
    _checked_probabilities,
    _contexts,
    _posts_own_texts,
    shard_of,
)

__all__ = [
    "POSTS_PER_SHARD",
    "PriorPairs",
    "ScoredPairs",
    "pairs_prior",
    "prior_pairs",
    "shard_count",
    "shard_probabilities",
    "shard_users",
]

#: About how many window posts one shard holds when the shard count follows the window
#: (:func:`shard_count`): a shard's posts, contexts, profiles and the tagger's frames stay
#: well under a gigabyte (measured in bench/RESULTS.md, issue 20, branch h20m1).
POSTS_PER_SHARD = 200_000

_KEYS = ("tajian-pair-key1", "tajian-pair-key2")  # SipHash keys: 16 characters each


def shard_count(n_posts: int, per_shard: int = POSTS_PER_SHARD) -> int:
    """How many user shards a window of ``n_posts`` posts is tagged in: about ``per_shard``
    posts each, at least one. The tags do not depend on it.

    >>> shard_count(0), shard_count(200_000), shard_count(2_800_000)
    (1, 1, 14)
    """
    if per_shard < 1:
        raise ValueError(f"per_shard must be at least 1; got {per_shard}")
    return max(1, math.ceil(int(n_posts) / per_shard))


def shard_users(user_ids: Iterable[object], n: int) -> list[list[str]]:
    """The users of each of ``n`` shards (:func:`nlp.tagger.shard_of`), as text, in the order given.

    >>> shard_users(["u1", "u2", "u3"], 4)
    [['u2'], [], ['u1', 'u3'], []]
    """
    ids = [str(u) for u in user_ids]
    shard = shard_of(ids, n)
    out: list[list[str]] = [[] for _ in range(n)]
    for user, s in zip(ids, shard.tolist(), strict=True):
        out[s].append(user)
    return out


@dataclass(frozen=True)
class PriorPairs:
    """One shard's distinct (own text, context) pairs with own words, as :func:`pairs_prior`
    needs them: ``key`` (n, 2) uint64, ``created_at`` (int64 ns) and ``post_id`` of the pair's
    first post in the shard, ``proba`` its probability."""

    key: np.ndarray
    created_at: np.ndarray
    post_id: pd.Series
    proba: np.ndarray


def _pair_text(own: str, ctx: str | None) -> str:
    """One string per pair, distinct pairs giving distinct strings (the own text's length first)."""
    return f"{len(own)}:{own}" if ctx is None else f"{len(own)}:{own}|{ctx}"


def _first_rows(own: list[str], ctx: list[str | None]) -> dict[tuple[str, str | None], int]:
    """Each distinct (own text, context) pair with own words: the row of its first post."""
    first: dict[tuple[str, str | None], int] = {}
    for i, pair in enumerate(zip(own, ctx, strict=True)):
        if pair[0]:
            first.setdefault(pair, i)
    return first


def _pair_keys(pairs: Iterable[tuple[str, str | None]]) -> np.ndarray:
    """The 128-bit key of each pair: (n, 2) uint64."""
    texts = np.array([_pair_text(o, c) for o, c in pairs], dtype=object)
    key = np.column_stack([hash_array(texts, hash_key=k, categorize=False) for k in _KEYS])
    return key.reshape(len(texts), 2).astype(np.uint64)


def _pairs_of(posts: pd.DataFrame, rows: np.ndarray, key: np.ndarray, proba: np.ndarray) -> PriorPairs:
    stamps = pd.to_datetime(posts["created_at"], utc=True).to_numpy(dtype="datetime64[ns]").view(np.int64)
    post_ids = posts["post_id"].astype(str).to_numpy(dtype=object)
    return PriorPairs(
        key=key,
        created_at=stamps[rows],
        post_id=pd.Series(post_ids[rows], dtype="string[pyarrow]"),
        proba=proba,
    )


def prior_pairs(posts: pd.DataFrame, proba: object) -> PriorPairs:
    """What :func:`pairs_prior` needs of ``posts`` (one user shard, in the window's order, with
    ``post_id`` and ``created_at``) and their probabilities (:func:`nlp.tagger.post_probabilities`).

    >>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "created_at": pd.to_datetime([1, 2, 3]),
    ...                       "text": ["宝宝", "宝宝", ""]})
    >>> prior_pairs(posts, [0.5, 0.5, 0.0]).proba.tolist()
    [0.5]
    """
    own = _posts_own_texts(posts)
    ctx = _contexts(posts)
    p = _checked_probabilities(proba, len(own))
    first = _first_rows(own, ctx)
    rows = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    return _pairs_of(posts, rows, _pair_keys(first), p[rows])


class ScoredPairs:
    """The probabilities of the (own text, context) pairs scored in earlier shards, by their
    128-bit keys (24 bytes a pair, sorted arrays): a pair that recurs in a later shard (a text
    many users repost) is not scored again.

    >>> known = ScoredPairs()
    >>> known.add(np.array([[3, 4], [1, 2]], dtype=np.uint64), np.array([0.25, 0.5]))
    >>> known.find(np.array([[1, 2], [1, 5], [3, 4]], dtype=np.uint64))
    (array([ True, False,  True]), array([0.5 , 0.  , 0.25]))
    """

    def __init__(self) -> None:
        self._k1 = np.zeros(0, np.uint64)
        self._k2 = np.zeros(0, np.uint64)
        self._p = np.zeros(0, np.float64)

    def find(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found, probability)`` of each key ((n, 2) uint64): probability 0 where not found."""
        at = np.minimum(np.searchsorted(self._k1, key[:, 0]), max(len(self._k1) - 1, 0))
        if not len(self._k1):
            return np.zeros(len(key), bool), np.zeros(len(key))
        found = (self._k1[at] == key[:, 0]) & (self._k2[at] == key[:, 1])
        return found, np.where(found, self._p[at], 0.0)

    def add(self, key: np.ndarray, proba: np.ndarray) -> None:
        """Remember the probabilities of pairs not known yet (a first key wins on a tie)."""
        k1 = np.concatenate([self._k1, key[:, 0]])
        order = np.argsort(k1, kind="stable")
        keep = np.ones(len(order), bool)
        keep[1:] = k1[order][1:] != k1[order][:-1]  # one entry per first key: the earlier one
        order = order[keep]
        self._k1 = k1[order]
        self._k2 = np.concatenate([self._k2, key[:, 1]])[order]
        self._p = np.concatenate([self._p, np.asarray(proba, np.float64)])[order]


def shard_probabilities(
    posts: pd.DataFrame, classifier: PostClassifierLike, known: ScoredPairs
) -> tuple[np.ndarray, PriorPairs]:
    """:func:`nlp.tagger.post_probabilities` of ``posts`` (one user shard) and their
    :func:`prior_pairs`, scoring only the pairs ``known`` does not hold (then added to it): the
    same probabilities, as a pair's probability does not depend on the others scored with it."""
    own = _posts_own_texts(posts)
    ctx = _contexts(posts)
    first = _first_rows(own, ctx)
    pairs = list(first)
    rows = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    key = _pair_keys(pairs)
    found, proba = known.find(key)
    todo = np.flatnonzero(~found)
    if len(todo):
        new = [pairs[i] for i in todo]
        context = [c for _, c in new] if "context" in posts.columns else None
        scored = classifier.predict_proba([o for o, _ in new], context=context)[:, 1]
        proba[todo] = np.asarray(scored, dtype=np.float64)
        known.add(key[todo], proba[todo])
    of = dict(zip(pairs, proba.tolist(), strict=True))
    per_post = np.fromiter((of.get(k, 0.0) for k in zip(own, ctx, strict=True)), np.float64, count=len(own))
    return per_post, _pairs_of(posts, rows, key, proba)


def pairs_prior(shards: Sequence[PriorPairs], classifier: PostClassifierLike | None) -> float | None:
    """:func:`nlp.tagger.window_prior` of the window whose user shards left ``shards``
    (:func:`prior_pairs` of each, any order): the same probabilities in the same order, no post
    scored again. None without a classifier or a pair with own words, or when the classifier
    could not estimate the prior (too few posts passed its prefilter).

    >>> pairs_prior([], None) is None
    True
    """
    parts = [s for s in shards if len(s.proba)]
    if classifier is None or not parts:
        return None
    order = pd.DataFrame(
        {
            "created_at": np.concatenate([s.created_at for s in parts]),
            "post_id": pd.concat([s.post_id for s in parts], ignore_index=True),
        }
    )
    rows = order.sort_values(["created_at", "post_id"], kind="mergesort").index.to_numpy()
    key = np.concatenate([s.key for s in parts])[rows]
    first = ~pd.DataFrame(key).duplicated(keep="first").to_numpy()
    scored = np.concatenate([s.proba for s in parts])[rows][first]
    decision = classifier.decide(scored)
    return float(decision.prior) if decision.estimated else None
