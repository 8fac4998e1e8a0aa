"""Tag users: who in a window belongs to a segment, judged on all their posts and their profile.

Posts are scored by the segment's rules (:mod:`nlp.post_rules`) or, with a trained post
classifier (:mod:`nlp.classifier`, passed as ``classifier=``), by the classifier's probability
re-weighed to the share of segment posts it estimates in the posts being tagged, a post being
positive by the classifier's F1-best threshold at that share
(:meth:`nlp.classifier.PostClassifier.decide`); the rule hits stay in the evidence, beside the
n-grams that moved the classifier.

User level (:func:`tag_users`): a member is a person, judged on all their posts in the window
and on their profile. With ``n`` posts passing the segment's prefilter and ``h`` of them positive,
the ``rule`` column says which evidence admitted them:

* ``posts``: ``h >= 1`` and a non-member's ``n`` posts would hold ``h`` or more false positives
  with a chance of at most the segment's ``max_chance`` (binomial, each post a false positive with
  the post model's measured rate at its threshold, or the segment's ``chance_rate`` for the
  rules). One positive post admits a one-post user; a user with 300 posts needs several, so a
  heavy poster is not admitted by luck (a noisy-OR over 300 posts would admit anyone);
* ``profile``: a ``[[profile]]`` pattern over the screen name or bio at least ``profile_admits``
  clear (a bio "两个娃的妈");
* ``both``: a positive post and any profile signal together.

The user's score is ``1 - (1 - post_conf) * (1 - profile)``, ``post_conf`` being ``(1 - chance
of h)`` times the mean of the best (at most 5) positive post scores, ``profile`` the clearest
profile weight. Members whose posts sell (:mod:`nlp.commerce`) keep a ``business`` reason: they
are shown, and kept out of the seeds by the eligibility rules. :class:`TagFunnel` records how the
window's posts became members (posts, relevant, positive, authors, members by rule, the prior and
threshold of the post model).

Sharding (:func:`shard_of`, :func:`split_by_user_shard`, :func:`merge_shard_tags`): every user
rule looks at one user's posts only, so the posts can be split by user into shards, each tagged
alone (in another process or machine), and the merged result is the same as tagging them all
at once: same rows, same order.

Example:
    >>> import pandas as pd
    >>> from nlp.segments import load_segment
    >>> posts = pd.DataFrame({"post_id": ["1"], "user_id": ["u"], "text": ["我家宝宝8个月了，昨晚夜奶三次"],
    ...                       "created_at": [pd.Timestamp("2024-05-01 08:00", tz="Asia/Shanghai")]})
    >>> tags = tag_users(posts, load_segment("mothers")).tags
    >>> tags[["user_id", "rule", "confirmed_by"]].values.tolist()
    [['u', 'posts', 'post']]
"""

from __future__ import annotations

import inspect
import json
import math
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.stats import binom

from nlp.clean import clean_own_text
from nlp.commerce import business_accounts
from nlp.post_rules import PostScore, confirming_words, score_own_text, topic_weight
from nlp.segments import SegmentDefinition

__all__ = [
    "CONFIRMATIONS",
    "OWN_TEXT",
    "POST_PROBA",
    "RULES",
    "TAG_COLUMNS",
    "PostClassifierLike",
    "TagFunnel",
    "TagResult",
    "count_by_rule",
    "merge_funnels",
    "merge_shard_tags",
    "own_texts",
    "post_probabilities",
    "profiles_of",
    "score_window",
    "shard_of",
    "shards_prior",
    "split_by_user_shard",
    "tag_user_segments",
    "tag_users",
    "window_prior",
]

#: Columns of the frame :func:`tag_user_segments` returns, in order.
TAG_COLUMNS: tuple[str, ...] = (
    "user_id",
    "segment",
    "score",
    "n_posts",
    "n_hits",
    "n_days",
    "evidence",
    "rule",
    "business",
    "confirmed_by",
)
#: Values of the ``confirmed_by`` column: what shows, beyond admission, that a member speaks of
#: their own family in their own words, so that they may be a seed: ``post`` (a positive post
#: shown as evidence matches one of the segment's first-person ``[[patterns]]``, a pattern of
#: positive weight, in the author's own sentence: :func:`nlp.post_rules.confirming_words`),
#: ``profile`` (a screen-name or bio signal), ``segment`` (the segment has no first-person
#: pattern, so admission is all it asks) or ``unconfirmed``.
CONFIRMATIONS: tuple[str, ...] = ("post", "profile", "segment", "unconfirmed")
#: Values of the ``rule`` column, the evidence that admitted a member: positive posts beyond
#: chance, a clear profile, or a positive post and a profile signal together.
RULES: tuple[str, ...] = ("posts", "profile", "both")
_POST_COLUMNS = ("post_id", "user_id", "created_at", "text")

#: Optional column of a posts frame: each post's cleaned own text (:func:`own_texts` of its
#: ``text``). :func:`split_by_user_shard` adds it when asked; :func:`window_prior` and
#: :func:`tag_users` then read it instead of cleaning every window post again, each.
OWN_TEXT = "own_text"
#: Optional column of a posts frame: each post's probability from the post classifier (column 1
#: of its ``predict_proba`` for the post's own text and context, at the training prior), as
#: :func:`post_probabilities` gives it. ``flows.tagging.estimate_prior`` keeps it on each shard
#: after scoring the window once, so that tagging the shard does not score the posts again.
POST_PROBA = "post_proba"
_TZ = "Asia/Shanghai"
_USER_TOP = 5  # best positive posts averaged into the user score
_MIN_CHANCE = 0.002  # floor of a post model's measured false-positive rate in the chance test
_EPS = 1e-9


class PostClassifierLike(Protocol):
    """What the tagger needs of a post classifier (:class:`nlp.classifier.PostClassifier`).

    A ``predict_proba`` that also takes a keyword ``rule_scores`` is handed the rule scores the
    tagger already has (see :meth:`nlp.classifier.PostClassifier.predict_proba`). ``decide`` turns
    the probabilities of all the posts being tagged into labels and probabilities re-weighed to
    their corpus's own share of segment posts (:meth:`nlp.classifier.PostClassifier.decide`).
    """

    def predict_proba(
        self,
        texts: Sequence[str | None],
        context: Sequence[str | None] | None = None,
    ) -> Any: ...

    def decide(self, proba: Any, prior: float | str | None = None) -> Any: ...

    def predict_explained(self, texts: Sequence[str | None], top: int = 5) -> tuple[Any, list]: ...


@dataclass(frozen=True)
class TagFunnel:
    """How a window's posts became members, for the run record and the report.

    Attributes:
        n_posts: posts with own words. n_relevant: of them, posts passing the segment's prefilter
            (and any post the ``[context]`` rule made positive without a word of it).
        n_positive_posts: posts labelled positive; n_authors: their distinct authors.
        n_members: users admitted; by_rule: ``((rule, members), …)`` in :data:`RULES` order.
        prior, prior_estimated, threshold: the post model's share of segment posts among the
            relevant ones (estimated from the window or given) and its probability cut; None
            when the rules score posts.
        chance_rate: the per-post false-positive rate the user-level chance test used.
    """

    n_posts: int = 0
    n_relevant: int = 0
    n_positive_posts: int = 0
    n_authors: int = 0
    n_members: int = 0
    by_rule: tuple[tuple[str, int], ...] = field(default_factory=lambda: tuple((r, 0) for r in RULES))
    prior: float | None = None
    prior_estimated: bool = False
    threshold: float | None = None
    chance_rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values (``by_rule`` as a dict), e.g. for JSON."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["by_rule"] = dict(self.by_rule)
        return out


@dataclass(frozen=True)
class TagResult:
    """What :func:`tag_users` returns: the members (:data:`TAG_COLUMNS`) and the funnel."""

    tags: pd.DataFrame
    funnel: TagFunnel


def _empty_tags() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": pd.Series([], dtype=object),
            "segment": pd.Series([], dtype=object),
            "score": pd.Series([], dtype="float64"),
            "n_posts": pd.Series([], dtype="int64"),
            "n_hits": pd.Series([], dtype="int64"),
            "n_days": pd.Series([], dtype="int64"),
            "evidence": pd.Series([], dtype=object),
            "rule": pd.Series([], dtype=object),
            "business": pd.Series([], dtype=object),
            "confirmed_by": pd.Series([], dtype=object),
        }
    )


def _local_days(created: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse timestamps and give each its Asia/Shanghai calendar day ("YYYY-MM-DD")."""
    ts = pd.to_datetime(created, errors="coerce", utc=False)
    if getattr(ts.dt, "tz", None) is None:
        # naive timestamps are taken as Weibo's own wall-clock time (Asia/Shanghai)
        ts = ts.dt.tz_localize(_TZ, ambiguous="NaT", nonexistent="NaT")
    return ts, ts.dt.tz_convert(_TZ).dt.strftime("%Y-%m-%d")


def _objects(values: object) -> pd.Series:
    """``values`` (a Series or list, any index) as a Series of Python objects on a fresh
    ``RangeIndex``: None stays None, and strings stay ``str`` (pandas 3 would otherwise store them
    as Arrow strings, slow to iterate and to look up one by one)."""
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    return pd.Series(arr, dtype=object)


def _iso_all(created: pd.Series) -> list[str | None]:
    """:func:`_iso` of each timestamp of ``created`` (tz-aware), through Python datetimes (same
    text whenever no timestamp has nanoseconds, as the warehouse's never do), else one by one."""
    try:
        if len(created) and not created.isna().any() and bool((created.dt.nanosecond == 0).all()):
            return [d.isoformat() for d in created.dt.to_pydatetime()]
    except (AttributeError, TypeError, ValueError):
        pass  # not a datetime column: the slow path says what each value is
    return [_iso(t) for t in created]


def _iso(ts: object) -> str | None:
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and math.isnan(ts)):
        return None
    return pd.Timestamp(ts).isoformat()


def _rule_scorer(
    own: list[str], context: list[object] | None, segment: SegmentDefinition
) -> tuple[Callable[[int], PostScore], dict[str, PostScore]]:
    """``(f, plain)``: ``f(i)`` is the rule score of post ``i`` (:func:`score_own_text` of ``own[i]``,
    read with its raw ``context[i]`` when the segment's ``[context]`` rule applies to it), each
    distinct own text and context computed once; ``plain`` holds the scores without a context
    computed so far (``{own text: score}``). ``context`` None: the rule does not apply."""
    plain: dict[str, PostScore] = {}
    rescored: dict[str, PostScore] = {}  # own text -> its score under an on-topic context
    topics: dict[str, float] = {}
    rule = segment.context

    def score(i: int) -> PostScore:
        o = own[i]
        if context is not None and rule is not None and o:
            c = context[i]
            if isinstance(c, str):
                t = topics.get(c)
                if t is None:
                    t = topics[c] = topic_weight(clean_own_text(c), segment)
                if t >= rule.min_topic - _EPS:
                    # any on-topic context gives the same score: the rule only compares the topic
                    s = rescored.get(o)
                    if s is None:
                        s = rescored[o] = score_own_text(o, segment, t)
                    return s
        s = plain.get(o)
        if s is None:
            s = plain[o] = score_own_text(o, segment)
        return s

    return score, plain


def _explain(
    classifier: PostClassifierLike,
    texts: list[str],
    prior: float | None,
    segment: SegmentDefinition,
    known: dict[str, PostScore],
    own: list[str] | None = None,
) -> tuple[Any, list]:
    """The classifier's evidence for ``texts``, pointing the way the window's prior labels them
    (when its ``predict_explained`` takes a prior, as :class:`nlp.classifier.PostClassifier`'s does),
    handed the rule scores ``known`` (``{own text: score_own_text(own text, segment)}``) and the
    texts' cleaned ``own`` texts when it takes them, so that it does not score or clean those
    texts again."""
    try:
        params = inspect.signature(classifier.predict_explained).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    kwargs: dict[str, Any] = {"top": 3}
    if "prior" in params and prior is not None:
        kwargs["prior"] = prior
    if "rule_scores" in params:
        kwargs["rule_scores"] = (segment, known)
    if "own_texts" in params and own is not None:
        kwargs["own_texts"] = own
    explain: Callable[..., tuple[Any, list]] = classifier.predict_explained  # keywords checked above
    return explain(texts, **kwargs)


def own_texts(texts: Iterable[object]) -> list[str]:
    """:func:`nlp.clean.clean_own_text` of each text (non-strings read as None), each distinct
    text cleaned once: what :data:`OWN_TEXT` holds.

    Example:
        >>> own_texts(["宝宝 //@小红:好", None, "宝宝 //@小红:好"])
        ['宝宝', '', '宝宝']
    """
    read: list[str | None] = [t if isinstance(t, str) else None for t in texts]
    own_of = {t: clean_own_text(t) for t in dict.fromkeys(read)}
    return [own_of[t] for t in read]


def _posts_own_texts(posts: pd.DataFrame) -> list[str]:
    """The posts' :data:`OWN_TEXT` column when they carry it (checked to hold text), else cleaned."""
    if OWN_TEXT not in posts.columns:
        return own_texts(posts["text"].tolist())
    own = posts[OWN_TEXT].tolist()
    bad = [o for o in own if not isinstance(o, str)]
    if bad:
        raise ValueError(
            f"the {OWN_TEXT!r} column must hold each post's cleaned own text (a string, '' for none);"
            f" got {bad[0]!r}. Fix: leave the column out (the texts are cleaned here) or fill it with"
            " nlp.tagger.own_texts(posts['text'])"
        )
    return own


def _contexts(posts: pd.DataFrame) -> list[str | None]:
    """Each post's raw context text (None where empty or absent)."""
    if "context" not in posts.columns:
        return [None] * len(posts)
    return [c if isinstance(c, str) and c else None for c in posts["context"].tolist()]


def _distinct_pairs(own: list[str], ctx: list[str | None]) -> list[tuple[str, str | None]]:
    """The distinct (own text, context) pairs with own words, in order of first appearance."""
    return [k for k in dict.fromkeys(zip(own, ctx, strict=True)) if k[0]]


def _pair_probabilities(
    pairs: list[tuple[str, str | None]],
    own: list[str],
    ctx: list[str | None],
    proba: np.ndarray,
) -> np.ndarray:
    """The per-post probabilities ``proba`` (one per row of ``own``/``ctx``) of each pair."""
    first: dict[tuple[str, str | None], int] = {}
    for i, key in enumerate(zip(own, ctx, strict=True)):
        first.setdefault(key, i)
    return np.asarray(proba, dtype=np.float64)[[first[k] for k in pairs]]


def _checked_probabilities(values: object, n: int) -> np.ndarray:
    """``values`` as one probability per post (float64 in [0, 1]); ValueError otherwise."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.array([np.nan])
    if arr.shape != (n,) or not np.isfinite(arr).all() or (arr < 0).any() or (arr > 1).any():
        raise ValueError(
            f"post probabilities must hold one number in [0, 1] per post ({n}); got shape "
            f"{arr.shape}. Fix: leave them out (the posts are scored here) or take them from "
            "nlp.tagger.post_probabilities(posts, classifier)"
        )
    return arr


def post_probabilities(posts: pd.DataFrame, classifier: PostClassifierLike) -> np.ndarray:
    """The classifier's probability of each post (column 1 of ``predict_proba`` at its training
    prior, 0 for a post without own words or outside the prefilter), each distinct (own text,
    ``context``) pair scored once: what :func:`window_prior` and :func:`tag_users` take as
    ``proba`` / ``post_proba`` so that the window is scored once for both.

    Example:
        >>> import pandas as pd
        >>> class Half:  # any classifier: 0.5 for every text
        ...     def predict_proba(self, texts, context=None):
        ...         return np.array([[0.5, 0.5]] * len(texts))
        >>> post_probabilities(pd.DataFrame({"text": ["宝宝", None, "宝宝"]}), Half()).tolist()
        [0.5, 0.0, 0.5]
    """
    own = _posts_own_texts(posts)
    ctx = _contexts(posts)
    pairs = _distinct_pairs(own, ctx)
    out = np.zeros(len(own))
    if not pairs:
        return out
    scored = classifier.predict_proba(
        [o for o, _ in pairs],
        context=[c for _, c in pairs] if "context" in posts.columns else None,
    )[:, 1]
    of = dict(zip(pairs, np.asarray(scored, dtype=np.float64).tolist(), strict=True))
    return np.fromiter((of.get(k, 0.0) for k in zip(own, ctx, strict=True)), dtype=np.float64, count=len(own))


def window_prior(
    posts: pd.DataFrame,
    segment: SegmentDefinition,
    classifier: PostClassifierLike | None,
    *,
    proba: object = None,
) -> float | None:
    """The share of segment posts ``classifier`` estimates among ``posts`` (their distinct own
    texts, read with their ``context`` column when there is one), to hand to every shard's
    :func:`tag_users` so that tagging in shards equals tagging at once. None without a classifier
    (the rules need no prior), without posts, or when too few posts pass the prefilter to estimate
    it (each shard then has fewer still, and takes the classifier's default as the whole would).
    ``proba``: the posts' probabilities already computed (:func:`post_probabilities`), one per
    row: the posts are then not scored again.

    Example:
        >>> import pandas as pd
        >>> from nlp.segments import load_segment
        >>> window_prior(pd.DataFrame({"text": ["宝宝"]}), load_segment("mothers"), None) is None
        True
    """
    if classifier is None or posts.empty:
        return None
    own = _posts_own_texts(posts)
    ctx = _contexts(posts)
    pairs = _distinct_pairs(own, ctx)
    if not pairs:
        return None
    if proba is not None:
        scored = _pair_probabilities(pairs, own, ctx, _checked_probabilities(proba, len(own)))
    else:
        scored = classifier.predict_proba(
            [o for o, _ in pairs],
            context=[c for _, c in pairs] if "context" in posts.columns else None,
        )[:, 1]
    decision = classifier.decide(scored)
    return float(decision.prior) if decision.estimated else None


def shards_prior(
    shards: Sequence[pd.DataFrame],
    probabilities: Sequence[object | None],
    segment: SegmentDefinition,
    classifier: PostClassifierLike | None,
) -> float | None:
    """:func:`window_prior` of the window split into user ``shards``, from each shard's
    :func:`post_probabilities` (None: a shard the rules scored), in the shards' order: the same
    distinct own texts and contexts in the same order as the whole window, no post scored again.

    Example:
        >>> import pandas as pd
        >>> from nlp.segments import load_segment
        >>> shards_prior([pd.DataFrame({"text": ["宝宝"]})], [None], load_segment("mothers"), None) is None
        True
    """
    parts, given = list(shards), list(probabilities)
    if len(given) != len(parts):
        raise ValueError(
            f"expected one array of probabilities per shard ({len(parts)}); got {len(given)}. "
            "Fix: pass post_probabilities(shard, …) of each shard, in the shards' order"
        )
    if classifier is None or not parts:
        return None
    kept = [c for c in (OWN_TEXT, "text", "context") if all(c in p.columns for p in parts)]
    window = pd.concat([p[kept] for p in parts], ignore_index=True)
    each = zip(parts, given, strict=True)
    proba = np.concatenate([np.zeros(len(p)) if q is None else np.asarray(q, np.float64) for p, q in each])
    return window_prior(window, segment, classifier, proba=proba)


def score_window(
    shards: Sequence[pd.DataFrame],
    segment: SegmentDefinition,
    classifier: PostClassifierLike | None,
    column: str = POST_PROBA,
) -> float | None:
    """:func:`window_prior` of the window made of ``shards`` (user shards of its posts), scoring
    every post once: with a classifier, each shard frame given gets a ``column`` holding its posts'
    probabilities (:func:`post_probabilities`), for :func:`tag_users`' ``post_proba``, so that
    tagging the shards does not score them again.

    Example:
        >>> import pandas as pd
        >>> from nlp.segments import load_segment
        >>> score_window([pd.DataFrame({"text": ["宝宝"]})], load_segment("mothers"), None) is None
        True
    """
    parts = list(shards)
    if not parts:
        return None
    posts = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if classifier is None or posts.empty:
        return window_prior(posts, segment, classifier)
    proba = post_probabilities(posts, classifier)
    ends = np.cumsum([len(p) for p in parts])[:-1]
    for part, values in zip(parts, np.split(proba, ends), strict=True):
        part[column] = values
    return window_prior(posts, segment, classifier, proba=proba)


def profiles_of(posts: pd.DataFrame) -> pd.DataFrame | None:
    """The authors' profiles carried on ``posts`` (columns ``screen_name`` and/or ``bio`` beside
    ``user_id``: each author's last row), as :func:`tag_users` reads them; None without them.

    Example:
        >>> profiles_of(pd.DataFrame({"user_id": ["a", "a"], "screen_name": ["x", "豆豆妈"]})).values.tolist()
        [['a', '豆豆妈', None]]
    """
    present = [c for c in ("screen_name", "bio") if c in posts.columns]
    if not present or "user_id" not in posts.columns:
        return None
    out = posts[["user_id", *present]].drop_duplicates("user_id", keep="last").astype(object)
    for column in ("screen_name", "bio"):
        if column not in out:
            out[column] = None
    out = out.where(out.notna(), None)
    return out[["user_id", "screen_name", "bio"]].reset_index(drop=True)


def tag_user_segments(
    posts: pd.DataFrame,
    segment: SegmentDefinition,
    *,
    max_evidence: int = 5,
    classifier: PostClassifierLike | None = None,
    prior: float | str | None = None,
    profiles: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The members :func:`tag_users` finds (its ``tags``), without the funnel.

    Example:
        >>> import pandas as pd
        >>> from nlp.segments import load_segment
        >>> posts = pd.DataFrame({
        ...     "post_id": ["1", "2", "3"], "user_id": ["u", "u", "u"],
        ...     "created_at": pd.to_datetime(
        ...         ["2024-05-01 09:00", "2024-05-02 09:00", "2024-05-03 09:00"]
        ...     ).tz_localize("Asia/Shanghai"),
        ...     "text": ["宝宝夜奶三次", "给宝宝做了南瓜泥辅食", "孕期那会儿胎动好明显"]})
        >>> tags = tag_user_segments(posts, load_segment("mothers"))
        >>> tags[["user_id", "n_posts", "n_hits", "n_days", "rule"]].values.tolist()
        [['u', 3, 3, 3, 'posts']]
    """
    return tag_users(
        posts, segment, max_evidence=max_evidence, classifier=classifier, prior=prior, profiles=profiles
    ).tags


def tag_users(
    posts: pd.DataFrame,
    segment: SegmentDefinition,
    *,
    max_evidence: int = 5,
    classifier: PostClassifierLike | None = None,
    prior: float | str | None = None,
    profiles: pd.DataFrame | None = None,
    prior_estimated: bool = False,
    post_proba: object = None,
) -> TagResult:
    """Tag the users of ``posts`` who belong to ``segment``: one row per member, and the funnel.

    With a ``classifier``, ``prior`` is the share of segment posts assumed among the posts that
    pass its prefilter: None takes the classifier's own setting (``"auto"`` for the shipped model:
    estimated from ``posts``); a shard of a larger window must be given the window's
    (:func:`window_prior`), or each shard would estimate its own; ``prior_estimated`` says that
    number was estimated from the window (the funnel records it). ``post_proba``: the posts'
    probabilities already computed with this classifier (:func:`post_probabilities`, one per row
    of ``posts``, e.g. the :data:`POST_PROBA` column the window's prior left on a shard): the
    posts are then not scored again.

    ``posts`` needs columns ``post_id``, ``user_id``, ``created_at`` (tz-aware; naive values are
    read as Asia/Shanghai time) and ``text`` (may be None); an optional ``context`` column holds
    the raw text of the post each one reposts or replies to (None when unknown), which the
    segment's ``[context]`` rule reads. Duplicate ``post_id`` rows count once. ``profiles``
    (optional; columns ``user_id``, ``screen_name``, ``bio``, either may be None) gives the
    segment's ``[[profile]]`` patterns something to read, and the business check a profile.

    The ``tags`` have columns :data:`TAG_COLUMNS` sorted by score (descending) then user_id:
    ``evidence`` is a JSON list of at most ``max_evidence`` ``{"kind": "post", "post_id",
    "created_at", "text", "hits", "score"}`` objects (plus ``"model"``: the classifier's strongest
    n-grams, and ``"first_person"``: the first-person words that confirm the member,
    :func:`nlp.post_rules.confirming_words`), best post
    first (a text posted several times is shown once), then the profile signals ``{"kind":
    "profile", "field", "text", "hits", "label", "score"}``; ``rule`` is which evidence admitted
    the member (:data:`RULES`); ``business`` says why the account looks like a shop or a marketing
    account (:mod:`nlp.commerce`), None for ordinary people; ``confirmed_by`` whether the member's
    own first-person words or profile confirm them (:data:`CONFIRMATIONS`), which the seed rules
    may ask for.
    """
    if not isinstance(segment, SegmentDefinition):
        raise TypeError(
            "tag_users expects a SegmentDefinition (use nlp.segments.load_segment); "
            f"got {type(segment).__name__}"
        )
    if not isinstance(posts, pd.DataFrame):
        raise TypeError(f"posts must be a pandas DataFrame; got {type(posts).__name__}")
    missing = [c for c in _POST_COLUMNS if c not in posts.columns]
    if missing:
        raise ValueError(
            f"posts is missing column(s) {', '.join(missing)}; expected {', '.join(_POST_COLUMNS)}"
            f" (got {', '.join(map(str, posts.columns)) or 'no columns'})"
        )
    if isinstance(max_evidence, bool) or not isinstance(max_evidence, int) or max_evidence < 0:
        raise ValueError(f"max_evidence must be a whole number >= 0; got {max_evidence!r}")
    if posts.empty:
        return TagResult(_empty_tags(), TagFunnel())

    # object columns, not pandas' Arrow strings: the per-user steps below look ids up (isin) and
    # walk rows (itertuples), both far slower on Arrow strings
    df = pd.DataFrame(
        {
            "post_id": _objects(posts["post_id"].astype(str)),
            "user_id": _objects(posts["user_id"].astype(str)),
            "text": _objects(posts["text"]),
        }
    )
    has_context = "context" in posts.columns
    context_rule = segment.context if has_context else None  # the [context] rule applies
    if has_context:
        df["context"] = _objects(posts["context"])
    given_own = OWN_TEXT in posts.columns
    if given_own:
        df[OWN_TEXT] = _objects(_posts_own_texts(posts))
    given_proba = post_proba is not None
    if given_proba:
        if classifier is None:
            raise ValueError(
                "post_proba are a post classifier's probabilities; got them without a classifier. "
                "Fix: pass the classifier that gave them, or leave post_proba out"
            )
        df[POST_PROBA] = _checked_probabilities(post_proba, len(posts))
    created, day = _local_days(posts["created_at"].reset_index(drop=True))
    df["created_at"] = created
    df["day"] = day.to_numpy(dtype=object)
    df = df.drop_duplicates("post_id", keep="first").reset_index(drop=True)

    # Clean each distinct text once (or read the cleaned column). A post's rule score (its own
    # text's, or read with its context under the [context] rule) is computed when first asked for,
    # each distinct text once: with a classifier only the posts shown as evidence need one.
    own = df[OWN_TEXT].tolist() if given_own else own_texts(df["text"].tolist())
    if not given_own:
        df[OWN_TEXT] = _objects(own)  # the evidence's explanations read it
    rule_score, plain_scores = _rule_scorer(
        own, df["context"].tolist() if context_rule is not None else None, segment
    )
    df["has_own"] = [bool(o) for o in own]
    decided_prior = None
    if classifier is None:
        rule_scores = [rule_score(i) for i in range(len(own))]
        df["positive"] = [s.positive for s in rule_scores]
        df["score"] = [s.score for s in rule_scores]
    else:
        # each distinct (own text, context) scored once (or its probability given); the classifier
        # cleans the context itself, then decides them all at once: the window's own share of
        # segment posts sets the threshold
        ctx: list[str | None] = _contexts(df) if has_context else [None] * len(own)
        pairs = _distinct_pairs(own, ctx)
        decided: dict[tuple[str, str | None], tuple[float, bool]] = {}
        if pairs:
            if given_proba:
                proba = _pair_probabilities(pairs, own, ctx, df[POST_PROBA].to_numpy())
            else:
                proba = classifier.predict_proba(
                    [o for o, _ in pairs], context=[c for _, c in pairs] if has_context else None
                )[:, 1]
            decision = classifier.decide(proba, prior)
            decided_prior = decision.prior
            decided = dict(
                zip(
                    pairs,
                    zip(
                        (float(p) for p in decision.probability),
                        (bool(x) for x in decision.labels),
                        strict=True,
                    ),
                    strict=True,
                )
            )
        got = [decided.get(k, (0.0, False)) for k in zip(own, ctx, strict=True)]
        df["score"] = [p for p, _ in got]
        df["positive"] = df["has_own"] & np.array([x for _, x in got], dtype=bool)

    relevant = np.array(
        [bool(o) and (segment.prefilter is None or segment.prefilter.search(o) is not None) for o in own]
    )
    relevant |= df["positive"].to_numpy(dtype=bool)  # a positive post ([context] rule) counts as relevant
    df["relevant"] = relevant
    chance = segment.chance_rate
    if decided_prior is not None:
        chance = max(decision.false_positive_rate, _MIN_CHANCE)
    funnel = TagFunnel(
        n_posts=int(df["has_own"].sum()),
        n_relevant=int(relevant.sum()),
        n_positive_posts=int(df["positive"].sum()),
        n_authors=int(df.loc[df["positive"], "user_id"].nunique()),
        prior=None if decided_prior is None else float(decided_prior),
        prior_estimated=decided_prior is not None and (bool(decision.estimated) or prior_estimated),
        threshold=None if decided_prior is None else float(decision.cut),
        chance_rate=float(chance),
    )
    per_user = _per_user(df, chance)
    profile = _profile_evidence(profiles, segment, per_user.index)
    members = _admit(per_user, profile, segment)
    if members.empty:
        return TagResult(_empty_tags(), funnel)
    business = _business_of(df, profiles, members.index)
    rows = _member_rows(
        df,
        members,
        profile,
        business,
        segment,
        classifier,
        decided_prior,
        max_evidence,
        rule_score,
        plain_scores,
    )
    out = pd.DataFrame(rows, columns=list(TAG_COLUMNS))
    out = out.sort_values(["score", "user_id"], ascending=[False, True], kind="mergesort")
    out = out.astype(
        {c: object for c in ("user_id", "segment", "evidence", "rule", "business", "confirmed_by")}
    )
    out["business"] = out["business"].where(out["business"].notna(), None)  # pandas 3 reads None as NaN
    tags = out.reset_index(drop=True)
    return TagResult(tags, replace(funnel, n_members=len(tags), by_rule=tuple(count_by_rule(tags).items())))


def _per_user(df: pd.DataFrame, chance: float) -> pd.DataFrame:
    """Per user: posts with own text, relevant posts (passing the prefilter), positive posts, their
    days, and the chance that a non-member's relevant posts hold as many false positives."""
    per_user = df.groupby("user_id", sort=True).agg(
        n_posts=("has_own", "sum"), n_relevant=("relevant", "sum"), n_hits=("positive", "sum")
    )
    pos = df[df["positive"]]
    per_user["n_days"] = pos.groupby("user_id")["day"].nunique()
    per_user = per_user.fillna({"n_days": 0}).astype("int64")
    n = np.maximum(per_user["n_relevant"].to_numpy(), per_user["n_hits"].to_numpy())
    per_user["p_chance"] = binom.sf(per_user["n_hits"].to_numpy() - 1, n, chance)
    return per_user


def _profile_evidence(
    profiles: pd.DataFrame | None, segment: SegmentDefinition, users: pd.Index
) -> dict[str, tuple[float, list[dict]]]:
    """``{user_id: (profile score, evidence items)}`` for the users whose screen name or bio
    matches a ``[[profile]]`` pattern (score: the clearest match's weight)."""
    if profiles is None or profiles.empty or not segment.profile:
        return {}
    prof = profiles.assign(user_id=_objects(profiles["user_id"].astype(str)))
    prof = prof[prof["user_id"].isin(users)].drop_duplicates("user_id", keep="last")
    out: dict[str, tuple[float, list[dict]]] = {}
    for row in prof.to_dict("records"):
        values = {f: row.get(f) for f in ("screen_name", "bio")}
        items: list[dict[str, Any]] = []
        for pattern in segment.profile:
            value = values.get(pattern.field)
            if not isinstance(value, str) or not value:
                continue
            m = pattern.regex.search(unicodedata.normalize("NFKC", value))
            if m is not None and all(it["field"] != pattern.field for it in items):
                items.append(
                    {
                        "kind": "profile",
                        "field": pattern.field,
                        "text": value,
                        "hits": [m.group()],
                        "label": pattern.label,
                        "score": pattern.weight,
                    }
                )
        if items:
            out[row["user_id"]] = (max(it["score"] for it in items), items)
    return out


def _admit(
    per_user: pd.DataFrame, profile: dict[str, tuple[float, list[dict]]], segment: SegmentDefinition
) -> pd.DataFrame:
    """The members among ``per_user``, with ``rule`` (:data:`RULES`) and ``profile_score``."""
    prof = pd.Series({u: s for u, (s, _) in profile.items()}, dtype="float64").reindex(per_user.index)
    prof = prof.fillna(0.0)
    hit = per_user["n_hits"] >= 1
    by_posts = hit & (per_user["p_chance"] <= segment.max_chance + _EPS)
    by_profile = prof >= segment.profile_admits - _EPS
    together = hit & (prof > 0)
    rule = np.select([together, by_posts, by_profile], ["both", "posts", "profile"], "")
    out = per_user.assign(rule=rule, profile_score=prof)
    return out[by_posts | by_profile | together]


def _business_of(df: pd.DataFrame, profiles: pd.DataFrame | None, users: pd.Index) -> dict[str, str]:
    """``{user_id: why}`` for the members whose posts or profile say they sell
    (:func:`nlp.commerce.business_accounts`, on all their posts in the window)."""
    mine = df[df["user_id"].isin(users)]
    prof = None
    if profiles is not None and not profiles.empty:
        prof = profiles.assign(user_id=_objects(profiles["user_id"].astype(str)))
        prof = prof[prof["user_id"].isin(users)]
    found = business_accounts(mine[["user_id", "text"]], prof)
    return dict(
        zip(found.loc[found["business"], "user_id"], found.loc[found["business"], "why"], strict=True)
    )


def _member_rows(
    df: pd.DataFrame,
    members: pd.DataFrame,
    profile: dict[str, tuple[float, list[dict]]],
    business: dict[str, str],
    segment: SegmentDefinition,
    classifier: PostClassifierLike | None,
    decided_prior: float | None,
    max_evidence: int,
    rule_score: Callable[[int], PostScore],
    plain_scores: dict[str, PostScore],
) -> list[dict]:
    pos = df[df["positive"] & df["user_id"].isin(members.index)].copy()
    pos = pos.sort_values(
        ["user_id", "score", "created_at", "post_id"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="mergesort",
    )
    top_mean = pos.groupby("user_id", sort=False).head(_USER_TOP).groupby("user_id")["score"].mean()
    # the same text posted again (copy-paste, giveaway entries) is shown once
    shown = pos.drop_duplicates(["user_id", "text"], keep="first").groupby("user_id", sort=False)
    shown = shown.head(max_evidence)
    rule_of = [rule_score(i) for i in shown.index.tolist()]  # fills plain_scores
    # each distinct shown text (in order) and its clean own text
    own_of = {t: o for t, o in zip(shown["text"], shown[OWN_TEXT], strict=True) if isinstance(t, str)}
    explained: dict[str, list[str]] = {}
    if classifier is not None:
        # explain every shown text in one call (one pass of the classifier, not one per member),
        # handing it the rule scores just computed
        todo = list(own_of)
        if todo:
            own = [own_of[t] for t in todo]
            _, why = _explain(classifier, todo, decided_prior, segment, plain_scores, own)
            # each text's strongest n-grams, one list shared by the posts that show it
            explained.update(zip(todo, ([feature for feature, _ in terms] for terms in why), strict=True))
    posts_of: dict[str, list[dict]] = {}
    matched_of: dict[str, int | None] = {}  # shown text -> the patterns its own text matched
    # the shown posts' columns as Python lists, walked together (not itertuples: one namedtuple
    # per row, and pandas' per-value boxing)
    for user_id, post_id, at_iso, raw, score, rule in zip(
        shown["user_id"].tolist(),
        shown["post_id"].tolist(),
        _iso_all(shown["created_at"]),
        shown["text"].tolist(),
        shown["score"].tolist(),
        rule_of,
        strict=True,
    ):
        text = raw if isinstance(raw, str) else None
        item = {
            "kind": "post",
            "post_id": post_id,
            "created_at": at_iso,
            "text": text or "",
            "hits": list(rule.hits),
            "score": round(float(score), 4),
        }
        if rule.first_person:
            item["first_person"] = list(rule.first_person)
            if text is not None:
                matched_of[text] = rule.matched
        if classifier is not None and text is not None:
            item["model"] = explained.get(text, [])
        posts_of.setdefault(user_id, []).append(item)
    confirmed = _confirmations(members, posts_of, segment, own_of, matched_of)
    rows = []
    for m in members.itertuples():
        user_id = m.Index
        mean = top_mean.get(user_id)
        post_conf = 0.0 if mean is None else (1.0 - float(m.p_chance)) * float(mean)
        evidence = posts_of.get(user_id, []) + profile.get(user_id, (0.0, []))[1]
        score = 1.0 - (1.0 - post_conf) * (1.0 - float(m.profile_score))
        rows.append(
            {
                "user_id": user_id,
                "segment": segment.name,
                "score": min(1.0, max(0.0, score)),
                "n_posts": int(m.n_posts),
                "n_hits": int(m.n_hits),
                "n_days": int(m.n_days),
                "evidence": json.dumps(evidence, ensure_ascii=False),
                "rule": m.rule,
                "business": business.get(user_id),
                "confirmed_by": confirmed[user_id],
            }
        )
    return rows


def _confirmations(
    members: pd.DataFrame,
    posts_of: dict[str, list[dict]],
    segment: SegmentDefinition,
    own_of: dict[str, str] | None = None,
    matched_of: dict[str, int | None] | None = None,
) -> dict[str, str]:
    """``{user_id: how the member is confirmed}`` (:data:`CONFIRMATIONS`): by a shown post with
    first-person words in the author's own sentence (:func:`nlp.post_rules.confirming_words`),
    else by a profile signal, else not (``unconfirmed``); every member is ``segment``-confirmed
    when the segment has no first-person pattern. Each shown post keeps as ``first_person`` only
    the words that confirm (none: the key is dropped), so the evidence shows what confirmed the
    member. ``own_of``: ``{shown text: its clean own text}`` when known (not cleaned again);
    ``matched_of``: ``{shown text: PostScore.matched of its own text}`` (only those patterns
    searched again), as :func:`nlp.post_rules.confirming_words` takes them."""
    if not any(p.weight > 0 for p in segment.patterns):
        return dict.fromkeys(members.index, "segment")
    out = {}
    words_of: dict[str, tuple[str, ...]] = {}  # each distinct shown text read once
    for user_id, profile_score in zip(members.index, members["profile_score"], strict=True):
        confirming = False
        for item in posts_of.get(user_id, ()):
            words: tuple[str, ...] = ()
            if "first_person" in item:
                text = item["text"]
                got = words_of.get(text)
                if got is None:
                    got = words_of[text] = confirming_words(
                        text, segment, (own_of or {}).get(text), (matched_of or {}).get(text)
                    )
                words = got
            if words:
                item["first_person"] = list(words)
                confirming = True
            else:
                item.pop("first_person", None)
        if confirming:
            out[user_id] = "post"
        elif float(profile_score) > 0:
            out[user_id] = "profile"
        else:
            out[user_id] = "unconfirmed"
    return out


def count_by_rule(tags: pd.DataFrame) -> dict[str, int]:
    """How many members each kind of evidence admitted: ``{"posts": n, "profile": n, "both": n}``
    (a frame without a ``rule`` column counts every member as ``posts``).

    Example:
        >>> count_by_rule(pd.DataFrame({"rule": ["both", "profile", "profile"]}))
        {'posts': 0, 'profile': 2, 'both': 1}
    """
    if "rule" not in tags.columns:
        return {"posts": len(tags), "profile": 0, "both": 0}
    counts = tags["rule"].fillna("posts").value_counts()
    return {r: int(counts.get(r, 0)) for r in RULES}


def merge_funnels(funnels: Sequence[TagFunnel]) -> TagFunnel:
    """One funnel from the funnels of the shards of one window (counts add up; the prior, the
    threshold and the chance rate are the window's, the same in every shard that had posts).

    Example:
        >>> merge_funnels([TagFunnel(n_posts=2, n_members=1, by_rule=(("posts", 1),)),
        ...                TagFunnel(n_posts=3)]).n_posts
        5
    """
    counts = ("n_posts", "n_relevant", "n_positive_posts", "n_authors", "n_members")
    total = {k: sum(getattr(f, k) for f in funnels) for k in counts}
    by_rule = {r: sum(dict(f.by_rule).get(r, 0) for f in funnels) for r in RULES}
    decided = (
        [f for f in funnels if f.prior is not None] or [f for f in funnels if f.chance_rate] or [TagFunnel()]
    )
    first = decided[0]
    return TagFunnel(
        **total,
        by_rule=tuple(by_rule.items()),
        prior=first.prior,
        prior_estimated=first.prior_estimated,
        threshold=first.threshold,
        chance_rate=first.chance_rate,
    )


def _check_shards(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of shards must be a whole number >= 1; got {n!r}")
    return int(n)


def shard_of(user_ids: Iterable[object], n: int) -> np.ndarray:
    """The shard (0 … n-1) of each user id: CRC-32 of its text (UTF-8) modulo ``n``.

    Stable across processes, machines and Python versions (unlike ``hash()``), so a user's posts
    always land in the same shard. Ids are compared as text, as :func:`tag_user_segments` does.

    Example:
        >>> shard_of(["u1", "u2", "u1"], 4).tolist()
        [2, 0, 2]
        >>> shard_of(["u1", "u2"], 1).tolist()
        [0, 0]
    """
    n = _check_shards(n)
    ids = pd.Series(list(user_ids) if not isinstance(user_ids, pd.Series) else user_ids, dtype=object).astype(
        str
    )
    if n == 1:
        return np.zeros(len(ids), dtype=np.int64)
    codes, uniques = pd.factorize(ids, sort=False)
    per_user = np.fromiter(
        (zlib.crc32(u.encode("utf-8")) % n for u in uniques), dtype=np.int64, count=len(uniques)
    )
    return per_user[codes]


def split_by_user_shard(posts: pd.DataFrame, n: int, *, own_text: bool = False) -> list[pd.DataFrame]:
    """``posts`` split into ``n`` frames by :func:`shard_of` of ``user_id`` (row order kept).

    Rows repeating an earlier ``post_id`` are dropped first, as :func:`tag_user_segments` drops
    them, so tagging each shard and merging them (:func:`merge_shard_tags`) gives exactly the
    tags of the whole frame. A shard may be empty. ``n == 1`` returns ``[posts]`` unchanged.
    ``own_text=True`` first adds the :data:`OWN_TEXT` column (each distinct text cleaned once),
    which :func:`window_prior` and :func:`tag_users` then read instead of cleaning again.

    Example:
        >>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "user_id": ["u1", "u2", "u1"]})
        >>> [part["post_id"].tolist() for part in split_by_user_shard(posts, 4)]
        [['2'], [], ['1', '3'], []]
    """
    n = _check_shards(n)
    if "user_id" not in posts.columns or "post_id" not in posts.columns:
        raise ValueError("posts need columns post_id and user_id to be split by user")
    if n == 1:
        return [posts.assign(**{OWN_TEXT: _own_column(posts)}) if own_text else posts]
    first = posts[~posts["post_id"].astype(str).duplicated(keep="first").to_numpy()]
    if own_text:
        first = first.assign(**{OWN_TEXT: _own_column(first)})
    shard = shard_of(first["user_id"], n)
    return [first[shard == i] for i in range(n)]


def _own_column(posts: pd.DataFrame) -> pd.Series:
    """:func:`own_texts` of the posts' texts as a column of Python strings (not pandas' Arrow
    strings: the readers of the column take it back as a list, and Arrow would hand them a new
    string object per post, each hashed again; here a text repeated shares one object)."""
    return pd.Series(own_texts(posts["text"].tolist()), index=posts.index, dtype=object)


def merge_shard_tags(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One tags frame from per-shard results of :func:`tag_user_segments`, in its order (score
    descending, then user_id). A user in two frames means the shards were not split by user:
    refused.

    Example:
        >>> a = pd.DataFrame({"user_id": ["b"], "score": [0.5]})
        >>> b = pd.DataFrame({"user_id": ["c", "a"], "score": [0.9, 0.5]})
        >>> merge_shard_tags([a, b])["user_id"].tolist()
        ['c', 'a', 'b']
    """
    parts = [f for f in frames if len(f)]
    if not parts:
        return _empty_tags()
    out = pd.concat(parts, ignore_index=True)
    if not out["user_id"].is_unique:
        dup = out.loc[out["user_id"].duplicated(), "user_id"].iloc[0]
        raise ValueError(
            f"user {dup!r} is tagged in more than one shard; split posts with "
            "split_by_user_shard so that each user's posts are in one shard"
        )
    out = out.sort_values(["score", "user_id"], ascending=[False, True], kind="mergesort")
    out = out.astype(
        {
            c: object
            for c in ("user_id", "segment", "evidence", "rule", "business", "confirmed_by")
            if c in out
        }
    )
    return out.reset_index(drop=True)
