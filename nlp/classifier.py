"""A post classifier for one segment: is the author one of the segment's people?

Recall first. The segment's ``[prefilter]`` regex (the broad net of a keyword crawl: any child,
pregnancy or parenting word, for ``mothers``) decides which posts the model reads at all; every
other post scores 0 and costs almost nothing. Among the posts that pass, :class:`PostClassifier`
tells the segment's people from everyone else who uses those words (fans calling an idol 宝宝, pet
owners, shops, news, other people's children) with a logistic regression over:

- TF-IDF word n-grams (``nlp.tokenize.tokenize`` with the segment's dictionary) and character
  n-grams of the cleaned own text (:func:`nlp.features.fast_tfidf`);
- the rule score, positive and veto flags of the lexicon (:func:`nlp.features.rule_matrix`), read
  with the post's context (the post it replies to) through the segment's ``[context]`` rule;
- 0/1 signals (:func:`nlp.features.signal_matrix`): each pattern kind and veto category of the
  segment, each named regex of its ``[features]`` table (first-person narrative about a child,
  the child as the subject of a sentence, school, illness; news, what-ifs, idols), length bands;
- the mean word vector of the post (:class:`nlp.embeddings.WordVectors`, learned from the real
  corpora at ``make model``), so that words the labels never showed still count by meaning;
- optionally (``local_window`` > 0), the local context of the prefilter's words: TF-IDF character
  n-grams of the characters around each match (:func:`nlp.features.child_windows`) and whose the
  word is, where it sits (:func:`nlp.features.local_context_matrix`).

Probabilities are calibrated at a training prior of 0.5 (balanced class weights and a sigmoid
fitted on out-of-fold decisions), and the model keeps its out-of-fold operating curve
(:class:`nlp.prior.OperatingCurve`). :meth:`PostClassifier.decide` then lets each corpus set its
own threshold: it estimates the corpus's share of segment posts (:class:`nlp.prior.PriorShift`)
or takes one given, and picks the threshold with the best expected F1 at that share.
:meth:`PostClassifier.explain` names the features behind a score. Model files are written and
checked by :mod:`nlp.model_files`, whose pickles name this module's ``PostClassifier`` and
``_segment_tokens`` (keep both here).

Example:
    >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥",
    ...          "追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
    >>> model = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
    >>> model.predict(["宝宝夜奶好累", "今天股市大跌"], prior=0.5).tolist()
    [1, 0]
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from nlp.clean import clean_own_text
from nlp.embeddings import WordVectors
from nlp.features import (
    LOCAL_FEATURES,
    RULE_FEATURES,
    WordCodes,
    child_windows,
    clean_contexts,
    fast_tfidf,
    local_context_matrix,
    post_texts,
    raw_gate,
    register_segment_tokenizer,
    rule_matrix,
    signal_matrix,
    signal_names,
    word_codes,
)
from nlp.post_rules import PostScore
from nlp.prior import OperatingCurve, PriorShift, adjust_to_prior, f1_threshold
from nlp.segments import DEFAULT_SEGMENTS_DIR, SegmentDefinition, load_segment
from nlp.tokenize import tokenize

__all__ = ["Decision", "PostClassifier"]

#: The prior the probabilities are calibrated at: training weighs both classes equally.
TRAINING_PRIOR = 0.5
#: Inverse regularisation of the character-only regression of ``char_blend`` (food's training
#: side: labels-only character models did best at C 4, tests/data/LABELS.md).
CHAR_BLEND_C = 4.0


# Model files pickle the word vectorizer's tokenizer by this path: nlp.classifier._segment_tokens.
@register_segment_tokenizer
def _segment_tokens(dictionary: str | None, text: str, data_dir: Path | None = None) -> list[str]:
    """Word tokens of ``text`` with the segment's dictionary, in ``data_dir`` (default
    ``<repo>/data``; module-level, so it pickles)."""
    return tokenize(text, dictionary, data_dir=data_dir)


@functools.lru_cache(maxsize=8)
def _cached_segment(name: str, folder: Path, mtime_ns: int) -> SegmentDefinition:
    del mtime_ns  # cache key only: an edited segment file is reloaded
    return load_segment(name, folder)


def _segment(name: str, segments_dir: Path | None = None) -> SegmentDefinition:
    """The segment ``name`` from ``segments_dir`` (the folder the model was loaded for:
    :func:`nlp.model_files.load_model`'s ``segments_dir``; default ``<repo>/data/segments``)."""
    folder = Path(segments_dir) if segments_dir is not None else DEFAULT_SEGMENTS_DIR
    path = folder / f"{name}.toml"
    mtime = path.stat().st_mtime_ns if path.is_file() else 0
    return _cached_segment(name, folder, mtime)


_PREDICT_BATCH = 200_000  # posts per batch of PostClassifier.predict_proba

# PostClassifier._feature_names of each model: (fitted state it was built from, names).
_FEATURE_NAMES: weakref.WeakKeyDictionary[PostClassifier, tuple[tuple, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Decision:
    """How one corpus's posts were decided (:meth:`PostClassifier.decide`).

    Attributes:
        prior: share of segment posts among the posts that passed the prefilter, as used.
        estimated: True when ``prior`` was estimated from the posts (``"auto"``), False when given
            or when too few posts passed the prefilter to estimate it (the model's default).
        threshold: the calibrated probability (at the training prior) a post needs for label 1.
        cut: the same threshold on the scale of ``probability``: a post is 1 when it reaches it.
        n_relevant: posts that passed the prefilter.
        probability: each post's probability re-weighed to ``prior`` (0 for filtered posts).
        labels: 0/1 per post.
        false_positive_rate: the share of prefiltered non-segment posts the model labels 1 at
            ``threshold``, measured on its operating curve (the user-level chance test reads it).
    """

    prior: float
    estimated: bool
    threshold: float
    cut: float
    n_relevant: int
    probability: np.ndarray
    labels: np.ndarray
    false_positive_rate: float = 0.0


@dataclass(frozen=True)
class _Parts:
    own: list[str]
    relevant: np.ndarray  # bool per post: passed the prefilter (and has own text)
    matrix: sp.csr_matrix  # rows of the relevant posts only


class PostClassifier(ClassifierMixin, BaseEstimator):
    """Is the author of a post one of ``segment``'s people? A linear model over the posts that
    pass the segment's prefilter (see the module docstring for the features).

    Follows the scikit-learn estimator contract (``get_params``/``set_params``/``clone``; fitted
    state in attributes ending in ``_``). Inputs are raw Weibo post texts: each is cleaned with
    :func:`nlp.clean.clean_own_text` (the repost chain never counts).

    Parameters:
        segment: segment name (``data/segments/<segment>.toml``: its dictionary cuts the words, its
            ``[prefilter]``, patterns, vetoes and ``[features]`` make features).
        C: inverse regularisation of the logistic regression.
        word_ngram_range, char_ngram_range: n-gram lengths, ``(min, max)``.
        min_df: an n-gram must occur in this many training posts.
        max_features: at most this many word and this many character n-grams (most frequent).
        rule_features: add the rule score, positive and veto flags.
        signal_features: add the 0/1 signals of :func:`nlp.features.signal_matrix`.
        embedding_weight: scale of the mean-word-vector block (0 = off; it needs ``word_vectors``
            at ``fit``).
        char_weight: scale of the character n-gram block (1 = as is; above 1 the model leans more
            on the characters, as a lighter penalty on them would).
        local_window: characters read either side of each prefilter match for the local-context
            block (0 = off; it needs the segment's ``[prefilter]``).
        local_weight: scale of the local-context block.
        prefilter: read only the posts that match the segment's ``[prefilter]`` (others score 0).
        cv: folds of the out-of-fold decisions behind the calibration and the operating curve.
        prior: what :meth:`predict` assumes about a corpus: ``"auto"`` (estimate it from the posts
            given, :meth:`decide`) or the share of segment posts among those passing the prefilter.
        min_auto_posts: with ``"auto"``, fewer posts than this passing the prefilter are too few to
            estimate a prior from; ``default_prior`` is used instead.
        default_prior: the prior for inputs too small to estimate one from (0.5: no information
            either way, which leans to recall: on real posts the share ranges from under 1% in a
            random timeline to over 50% in a keyword crawl).
        random_state: seed of the folds.

    Example:
        >>> m = PostClassifier(C=0.3, cv=3)
        >>> m.get_params()["C"], m.segment, m.prior
        (0.3, 'mothers', 'auto')
    """

    def __init__(
        self,
        segment: str = "mothers",
        *,
        C: float = 1.0,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 2,
        max_features: int | None = 60_000,
        rule_features: bool = True,
        signal_features: bool = True,
        embedding_weight: float = 3.0,
        char_weight: float = 1.0,
        char_blend: float = 0.0,
        local_window: int = 0,
        local_weight: float = 1.0,
        prefilter: bool = True,
        cv: int = 5,
        prior: str | float = "auto",
        min_auto_posts: int = 30,
        default_prior: float = 0.5,
        random_state: int | None = 0,
    ) -> None:
        self.segment = segment
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.rule_features = rule_features
        self.signal_features = signal_features
        self.embedding_weight = embedding_weight
        self.char_weight = char_weight
        self.char_blend = char_blend
        self.local_window = local_window
        self.local_weight = local_weight
        self.prefilter = prefilter
        self.cv = cv
        self.prior = prior
        self.min_auto_posts = min_auto_posts
        self.default_prior = default_prior
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # the segments folder is the loader's to say (load_model's segments_dir), never the
        # trainer's path baked into the model file
        state = dict(super().__getstate__())
        state.pop("segments_dir_", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a model saved before char_weight, char_blend and the local block existed was fitted
        # without them
        defaults = {"char_weight": 1.0, "char_blend": 0.0, "local_window": 0, "local_weight": 1.0}
        super().__setstate__({**defaults, **state})

    def _check_params(self) -> None:
        for name in ("word_ngram_range", "char_ngram_range"):
            r = getattr(self, name)
            if not (
                isinstance(r, tuple | list)
                and len(r) == 2
                and all(isinstance(v, int) for v in r)
                and 1 <= r[0] <= r[1] <= 6
            ):
                raise ValueError(f"{name} must be (min, max) with 1 <= min <= max <= 6; got {r!r}")
        if not (isinstance(self.C, int | float) and self.C > 0):
            raise ValueError(f"C must be a number > 0; got {self.C!r}")
        if isinstance(self.cv, bool) or not (isinstance(self.cv, int) and self.cv >= 2):
            raise ValueError(f"cv must be a whole number >= 2; got {self.cv!r}")
        w = self.embedding_weight
        if isinstance(w, bool) or not (isinstance(w, int | float) and 0 <= w <= 100):
            raise ValueError(f"embedding_weight must be between 0 (off) and 100; got {w!r}")
        c = self.char_weight
        if isinstance(c, bool) or not (isinstance(c, int | float) and 0 < c <= 100):
            raise ValueError(f"char_weight must be a number above 0 and at most 100; got {c!r}")
        b = self.char_blend
        if isinstance(b, bool) or not (isinstance(b, int | float) and 0 <= b <= 10):
            raise ValueError(f"char_blend must be between 0 (off) and 10; got {b!r}")
        lw = self.local_window
        if isinstance(lw, bool) or not (isinstance(lw, int) and 0 <= lw <= 40):
            raise ValueError(f"local_window must be a whole number of characters, 0 (off) to 40; got {lw!r}")
        lc = self.local_weight
        if isinstance(lc, bool) or not (isinstance(lc, int | float) and 0 < lc <= 100):
            raise ValueError(f"local_weight must be a number above 0 and at most 100; got {lc!r}")
        _check_prior(self.prior, "prior", auto=True)
        _check_prior(self.default_prior, "default_prior")

    def fit(
        self,
        texts: object,
        y: object,
        sample_weight: object = None,
        *,
        context: object = None,
        groups: Iterable[Any] | None = None,
        curve_mask: Iterable[bool] | None = None,
        word_vectors: WordVectors | None = None,
        segments_dir: str | Path | None = None,
    ) -> PostClassifier:
        """Learn from raw post texts and 0/1 labels (optionally weighted per post); returns ``self``.

        Only posts passing the prefilter are learnt from (the others never reach the model).
        ``sample_weight`` lets gold labels count more than rule labels; the two classes are then
        weighed equally (the training prior is 0.5). ``context``: optional, one text (or None) per
        post, the post it reposts or replies to. ``groups``: optional thread of each post, kept in
        one fold of the out-of-fold decisions. ``curve_mask``: optional, which posts the calibration
        and the operating curve are fitted on (default all): posts drawn like the input the model
        will see, or the probabilities and the prior estimates inherit the sample's bias.
        ``word_vectors``: fitted :class:`nlp.embeddings.WordVectors` for the embedding block
        (restricted to the training posts' words and kept in the model). ``segments_dir``: the
        folder the caller's settings read segments from (default ``<repo>/data/segments``); the
        fitted model reads its segment from there too, as one loaded by
        :func:`nlp.model_files.load_model` does.
        """
        self._check_params()
        raw = post_texts(texts)
        labels = _labels(y, len(raw))
        weights = _weights(sample_weight, len(raw))
        seg = load_segment(self.segment, segments_dir)
        if segments_dir is not None:
            self.segments_dir_ = Path(segments_dir)
        own = [clean_own_text(t) for t in raw]
        keep = self._relevant(own, seg)
        extra: dict[str, np.ndarray | None] = {"groups": None, "curve_mask": None}
        for name, value in (("groups", groups), ("curve_mask", curve_mask)):
            if value is not None:
                arr = np.asarray(list(value) if not isinstance(value, np.ndarray) else value)
                if arr.shape != (len(raw),):
                    raise ValueError(
                        f"{name} must hold one value per text ({len(raw)}); got shape {arr.shape}"
                    )
                extra[name] = arr[keep]
        own_k = [o for o, k in zip(own, keep, strict=True) if k]
        y_k, w_k = labels[keep], weights[keep]
        ctx = clean_contexts(context, len(raw))
        ctx_k = None if ctx is None else [c for c, k in zip(ctx, keep, strict=True) if k]
        counts = np.bincount(y_k, minlength=2)
        if counts.min() < self.cv:
            raise ValueError(
                f"need at least cv={self.cv} posts of each label that pass the prefilter; got "
                f"{counts[0]} negatives and {counts[1]} positives"
            )
        w_k = w_k * np.where(
            y_k == 1, w_k.sum() / 2 / w_k[y_k == 1].sum(), w_k.sum() / 2 / w_k[y_k == 0].sum()
        )
        # the dictionary of the segment's own data folder while fitting; the model keeps only its
        # name (below), and reads it from the folder it is loaded for (see _stack)
        tokens = functools.partial(_segment_tokens, seg.dictionary, data_dir=seg.data_dir)
        common = {
            "min_df": self.min_df,
            "max_features": self.max_features,
            "sublinear_tf": True,
            "dtype": np.float32,
            "lowercase": True,
        }
        self.word_vectorizer_ = TfidfVectorizer(
            tokenizer=tokens, token_pattern=None, ngram_range=tuple(self.word_ngram_range), **common
        )
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char", ngram_range=tuple(self.char_ngram_range), **common
        )
        words = self.word_vectorizer_.fit_transform(own_k)
        self.word_vectorizer_.tokenizer = functools.partial(_segment_tokens, seg.dictionary)
        self.local_vectorizer_ = None
        if self.local_window and seg.prefilter is not None:
            self.local_vectorizer_ = TfidfVectorizer(
                analyzer="char", ngram_range=tuple(self.char_ngram_range), **common
            ).fit(child_windows(own_k, seg.prefilter, self.local_window))
        self.word_vectors_ = None
        if self.embedding_weight and word_vectors is not None:
            vocab = {w for o in own_k for w in tokens(o)}
            self.word_vectors_ = _copy_vectors(word_vectors).restrict(vocab)
        X = self._stack(own_k, ctx_k, seg, words=words, chars=self.char_vectorizer_.fit_transform(own_k))
        oof = self._out_of_fold(X, y_k, w_k, extra["groups"])
        on_curve = (
            np.ones(len(y_k), bool) if extra["curve_mask"] is None else extra["curve_mask"].astype(bool)
        )
        if len(set(y_k[on_curve].tolist())) < 2:
            raise ValueError("curve_mask must select posts of both labels that pass the prefilter")
        # calibrated on the same posts as the curve, both classes weighed equally (prior 0.5)
        y_c = y_k[on_curve]
        w_c = np.where(y_c == 1, 0.5 / max(1, (y_c == 1).sum()), 0.5 / max(1, (y_c == 0).sum()))
        calibrator = LogisticRegression(C=1e4).fit(
            oof[on_curve].reshape(-1, 1), y_c, sample_weight=w_c * len(y_c)
        )
        self.calibration_ = (float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0]))
        self.curve_ = OperatingCurve.from_scores(y_k[on_curve], self._calibrate(oof[on_curve]))
        self.model_ = self._fit_linear(X, y_k, w_k)
        self.model_.coef_ = self.model_.coef_.astype(np.float32)  # half the file size
        self.classes_ = np.array([0, 1])
        self.training_prior_ = TRAINING_PRIOR
        self.prior_recalibration_: tuple[float, float] | None = None  # set_prior_recalibration
        self.n_word_features_ = len(self.word_vectorizer_.vocabulary_)
        self.n_char_features_ = len(self.char_vectorizer_.vocabulary_)
        digest = hashlib.sha256()
        for text, label in zip(raw, labels.tolist(), strict=True):
            digest.update(f"{label}\t{text or ''}\n".encode())
        digest.update(weights.tobytes())
        self.training_sha256_ = digest.hexdigest()
        self.n_training_rows_ = len(raw)
        self.n_prefiltered_ = int(keep.sum())
        self.n_positive_ = int(counts[1])
        return self

    def set_prior_recalibration(self, temperature: float, bias: float) -> PostClassifier:
        """Keep ``(temperature, bias)`` of :func:`nlp.prior.fit_bcts` as ``prior_recalibration_``:
        :meth:`decide` asked for ``recalibrated=True`` then estimates a corpus's prior with EM on
        the probabilities recalibrated by them (:class:`nlp.prior.PriorShift`'s ``recalibration``);
        the threshold and the probabilities it returns stay on the model's own calibration. Fit
        them on out-of-fold probabilities of labelled posts the model will be judged like
        (:func:`nlp.training.dev_folds` and :func:`nlp.training.fit_prior_recalibration`, as
        ``make model`` does). Returns ``self``.

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥",
            ...          "追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
            >>> m = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> m.prior_recalibration_ is None, m.set_prior_recalibration(1.5, -0.4).prior_recalibration_
            (True, (1.5, -0.4))
        """
        check_is_fitted(self, "model_")
        values = (temperature, bias)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values) or not (
            np.isfinite(values).all() and temperature > 0
        ):
            raise ValueError(
                f"the prior recalibration must be a temperature > 0 and a bias, finite numbers as "
                f"nlp.prior.fit_bcts returns; got {values!r}"
            )
        self.prior_recalibration_ = (float(temperature), float(bias))
        return self

    def _out_of_fold(
        self, X: sp.csr_matrix, y: np.ndarray, w: np.ndarray, groups: np.ndarray | None
    ) -> np.ndarray:
        """Each post's decision from a model that did not see its fold (or its thread's)."""
        if groups is None:
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state).split(X, y)
        else:
            folds = StratifiedGroupKFold(self.cv, shuffle=True, random_state=self.random_state).split(
                X, y, groups
            )
        oof = np.zeros(len(y))
        for train, held in folds:
            m = self._fit_linear(X[train], y[train], w[train])
            oof[held] = m.decision_function(X[held])
        return oof

    def _fit_linear(self, X: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> LogisticRegression:
        """The logistic regression over all blocks; with ``char_blend``, plus that weight times a
        second one fitted on the character block alone, folded into the same coefficients."""
        m = LogisticRegression(C=self.C, max_iter=5000).fit(X, y, sample_weight=w)
        blend = self.char_blend
        if blend:
            lo = len(self.word_vectorizer_.vocabulary_)
            hi = lo + len(self.char_vectorizer_.vocabulary_)
            chars = LogisticRegression(C=CHAR_BLEND_C, max_iter=5000).fit(X[:, lo:hi], y, sample_weight=w)
            m.coef_[0, lo:hi] += blend * chars.coef_[0]
            m.intercept_ += blend * chars.intercept_
        return m

    def _calibrate(self, decision: np.ndarray) -> np.ndarray:
        a, b = self.calibration_
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(decision, dtype=np.float64) + b)))

    # -- scoring ---------------------------------------------------------------------------

    def _relevant(self, own: list[str], seg: SegmentDefinition) -> np.ndarray:
        """Which cleaned texts the model reads: own text, and a prefilter match when it applies."""
        rx = seg.prefilter if self.prefilter else None
        return np.fromiter(
            (bool(o) and (rx is None or rx.search(o) is not None) for o in own), dtype=bool, count=len(own)
        )

    def _stack(
        self,
        own: list[str],
        ctx: list[str] | None,
        seg: SegmentDefinition,
        *,
        words: sp.csr_matrix | None = None,
        chars: sp.csr_matrix | None = None,
        known: Mapping[str, PostScore] | None = None,
    ) -> sp.csr_matrix:
        # every block but the rules' reads the own text alone: each distinct own text (a text
        # reposted under several contexts) is read once and its rows repeated
        rows = None
        texts = own
        if words is None and chars is None:
            at: dict[str, int] = {}
            for o in own:
                at.setdefault(o, len(at))
            if len(at) < len(own):
                texts, rows = list(at), np.fromiter((at[o] for o in own), dtype=np.int64, count=len(own))
        # each text is cut into words once, for the word n-grams and (when the vectorizer cuts with
        # the segment's dictionary) the word vectors; the words are dropped before the rule blocks
        cut = None if words is not None else word_codes(self.word_vectorizer_, texts, data_dir=seg.data_dir)
        blocks = [
            fast_tfidf(self.word_vectorizer_, texts, data_dir=seg.data_dir, tokens=cut)
            if words is None
            else words,
            fast_tfidf(self.char_vectorizer_, texts) if chars is None else chars,
        ]
        if self.char_weight != 1.0:
            blocks[1] = blocks[1] * np.float32(self.char_weight)
        wv = self.word_vectors_
        vectors = None if wv is None else self._word_vectors(wv, texts, seg, cut)
        del cut
        if self.signal_features:
            blocks.append(signal_matrix(texts, seg))
        if vectors is not None:
            blocks.append(vectors)
        local = getattr(self, "local_vectorizer_", None)
        if local is not None and seg.prefilter is not None:
            windows = child_windows(texts, seg.prefilter, self.local_window)
            weight = np.float32(self.local_weight)
            blocks.append(fast_tfidf(local, windows) * weight)
            blocks.append(local_context_matrix(texts, seg.prefilter) * weight)
        if rows is not None:
            blocks = [b[rows] for b in blocks]
        if self.rule_features:
            blocks.insert(2, rule_matrix(own, seg, ctx, known))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _word_vectors(
        self, wv: WordVectors, own: list[str], seg: SegmentDefinition, cut: WordCodes | None
    ) -> sp.csr_matrix:
        """The embedding block: the mean word vector (``wv``) of each text, scaled.

        ``cut``: the words of the lowercased texts (:func:`nlp.features.word_codes`), reused when
        the word vectorizer cut them with the segment's dictionary; a text that lowercasing
        changes is cut again as written (what this block has always read)."""
        tokenizer = self.word_vectorizer_.tokenizer
        if (
            cut is not None
            and isinstance(tokenizer, functools.partial)
            and tokenizer.args == (seg.dictionary,)
        ):
            vectors = wv.transform_codes(*cut)
            cased = [i for i, o in enumerate(own) if o != o.lower()]
            if cased:
                vectors[cased] = wv.transform(
                    [_segment_tokens(seg.dictionary, own[i], seg.data_dir) for i in cased]
                )
        else:
            vectors = wv.transform([_segment_tokens(seg.dictionary, o, seg.data_dir) for o in own])
        return sp.csr_matrix(vectors * np.float32(self.embedding_weight))

    def _own(self, texts: list[str | None], seg: SegmentDefinition, cleaned: object = None) -> list[str]:
        """The own text the model reads of each post: :func:`nlp.clean.clean_own_text` of it, or
        ``cleaned[i]`` when given (the caller's ``clean_own_text(texts[i])``); "" for a post
        whose raw text cannot pass the prefilter (not cleaned: most posts, in a timeline)."""
        gate = raw_gate(seg.prefilter) if self.prefilter and seg.prefilter is not None else None
        if cleaned is None:
            return [clean_own_text(t) if gate is None or (t and gate(t)) else "" for t in texts]
        given = list(cleaned)  # type: ignore[call-overload]
        if len(given) != len(texts) or not all(isinstance(o, str) for o in given):
            raise ValueError(
                f"own_texts must hold one cleaned text (str) per post ({len(texts)}); got {len(given)}"
                " items or a non-string. Fix: pass nlp.tagger.own_texts(texts), or leave it out"
            )
        return [o if gate is None or (t and gate(t)) else "" for t, o in zip(texts, given, strict=True)]

    def _features(
        self,
        texts: object,
        context: object = None,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None,
        *,
        own: list[str] | None = None,
    ) -> _Parts:
        """The features of the posts ``texts`` (with their ``context``); ``own``: their own texts
        as :meth:`_own` gives them, when already known."""
        check_is_fitted(self, "model_")
        seg = _segment(self.segment, getattr(self, "segments_dir_", None))
        if own is None:
            own = self._own(post_texts(texts), seg)
        relevant = self._relevant(own, seg)
        own_r = [o for o, r in zip(own, relevant, strict=True) if r]
        ctx_r = _relevant_contexts(context, relevant)
        known = None
        if rule_scores is not None and (rule_scores[0] is seg or rule_scores[0] == seg):
            known = rule_scores[1]  # scored with this model's segment: reuse
        return _Parts(own, relevant, self._stack(own_r, ctx_r, seg, known=known))

    def decision_function(self, texts: object, context: object = None) -> np.ndarray:
        """The model's log-odds (> 0 leans to the segment), one per text; -inf for filtered posts."""
        parts = self._features(texts, context)
        out = np.full(len(parts.own), -np.inf)
        if parts.matrix.shape[0]:
            out[parts.relevant] = self.model_.decision_function(parts.matrix)
        return out

    def predict_proba(
        self,
        texts: object,
        context: object = None,
        *,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities at the training prior (0.5), shape (n, 2); column 1 is
        P(post belongs to the segment). Posts without own text or not passing the prefilter get
        exactly 0. :meth:`decide` re-weighs them to a corpus's own prior.

        ``context``: optional, one text (or None) per post, the post it reposts or replies to (the
        segment's ``[context]`` rule reads it). ``rule_scores``: optional ``(segment, {cleaned own
        text: nlp.post_rules.score_own_text(text, segment)})`` the caller already has
        (:func:`nlp.tagger.tag_user_segments` does); it only saves work. Many posts are scored in
        batches of ``_PREDICT_BATCH`` to bound the memory of the feature matrices.
        """
        check_is_fitted(self, "model_")
        items = post_texts(texts)
        ctx = None if context is None else post_texts(context, "context")
        if len(items) > _PREDICT_BATCH and (ctx is None or len(ctx) == len(items)):
            batches = range(0, len(items), _PREDICT_BATCH)
            return np.vstack(
                [
                    self.predict_proba(
                        items[i : i + _PREDICT_BATCH],
                        None if ctx is None else ctx[i : i + _PREDICT_BATCH],
                        rule_scores=rule_scores,
                    )
                    for i in batches
                ]
            )
        parts = self._features(items, ctx, rule_scores)
        p = np.zeros(len(items))
        if parts.matrix.shape[0]:
            p[parts.relevant] = self._calibrate(self.model_.decision_function(parts.matrix))
        return np.column_stack([1.0 - p, p])

    def decide(
        self, proba: object, prior: str | float | None = None, *, recalibrated: bool = False
    ) -> Decision:
        """Labels for one corpus from :meth:`predict_proba`'s column 1 (all posts of the corpus).

        ``prior``: ``"auto"`` estimates the corpus's share of segment posts among those that
        passed the prefilter (:class:`nlp.prior.PriorShift`; ``default_prior`` when fewer than
        ``min_auto_posts`` passed); a number gives it; None takes the ``prior`` parameter. The
        threshold is the one with the best expected F1 at that prior on the model's operating curve.
        ``recalibrated``: with ``"auto"``, estimate the prior through the model's
        ``prior_recalibration_`` (:meth:`set_prior_recalibration`) when it has one. Off by default:
        on the held-out posts it underestimated the prior of corpora drawn like real input (a
        keyword crawl 0.002 for 0.037, weibo_senti_100k 0.000 for 0.028) and lost their recall
        (bench/RESULTS.md, issue 16).

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥",
            ...          "追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
            >>> m = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> d = m.decide(m.predict_proba(["宝宝夜奶好累", "股市"])[:, 1], prior=0.3)
            >>> d.prior, d.estimated, d.labels.tolist(), d.n_relevant
            (0.3, False, [1, 0], 1)
        """
        check_is_fitted(self, "model_")
        p = np.asarray(proba, dtype=np.float64).ravel()
        prior = self.prior if prior is None else prior
        _check_prior(prior, "prior", auto=True)
        relevant = p > 0
        n = int(relevant.sum())
        estimated = prior == "auto" and n >= self.min_auto_posts
        if estimated:
            # models saved before the recalibration existed have none: EM on their own calibration
            recalibration = getattr(self, "prior_recalibration_", None) if recalibrated else None
            value = PriorShift(self.training_prior_, recalibration=recalibration).fit(p[relevant]).prior_
        else:
            value = self.default_prior if prior == "auto" else float(prior)
        threshold = f1_threshold(self.curve_, value)
        return Decision(
            prior=round(float(value), 6),
            estimated=bool(estimated),
            threshold=threshold,
            cut=float(adjust_to_prior([min(threshold, 1.0)], value, self.training_prior_)[0]),
            n_relevant=n,
            probability=adjust_to_prior(p, value, self.training_prior_),
            labels=(relevant & (p >= threshold)).astype(np.int64),
            false_positive_rate=self.curve_.fpr_at(threshold),
        )

    def predict(self, texts: object, context: object = None, prior: str | float | None = None) -> np.ndarray:
        """0/1 per text: :meth:`decide` on these texts' probabilities (see ``prior`` there)."""
        return self.decide(self.predict_proba(texts, context)[:, 1], prior).labels

    def explain(self, text: str | None, top: int = 5) -> list[tuple[str, float]]:
        """The features that moved this post's score most: ``[(feature, contribution)]``.

        Features are ``w:`` word n-grams (words joined by a space), ``c:`` character n-grams,
        ``rule:`` rule features, ``kind:``/``veto:``/``f:``/``len:`` signals, ``e:`` word-vector
        dimensions or ``l:``/``lc:`` local-context features; the contribution is the term's share
        of the log-odds (> 0 pushes towards the segment). Only terms pushing the way of the post's
        log-odds, strongest first, at most ``top``; nothing for a post the prefilter drops.

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食",
            ...          "追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
            >>> m = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> [f for f, _ in m.explain("宝宝夜奶", top=2)]
            ['rule:positive', 'rule:score']
        """
        if text is not None and not isinstance(text, str):
            raise TypeError(f"explain expects one post text (str); got {type(text).__name__}")
        return self.predict_explained([text], top=top)[1][0]

    def predict_explained(
        self,
        texts: object,
        top: int = 5,
        context: object = None,
        prior: str | float | None = None,
        *,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None,
        own_texts: object = None,
    ) -> tuple[np.ndarray, list[list[tuple[str, float]]]]:
        """``(P(segment) per text as predict_proba gives it, explain() of each text)`` in one pass.

        ``prior``: when given, each post's terms point the way :meth:`decide` at that prior labels
        it (towards the segment for a 1), so a post labelled 1 at a low threshold shows what made it
        one; None: the way of its log-odds. ``rule_scores``: as in :meth:`predict_proba` (the rule
        scores the caller already has; it only saves work). ``own_texts``: optional, the
        :func:`nlp.clean.clean_own_text` of each text, which the caller already has
        (:func:`nlp.tagger.tag_users` does): the texts are not cleaned again. Without
        ``context``, posts with the same own text are explained once (their features are the same).

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食",
            ...          "追星的宝宝们冲呀", "宝宝们转发扩散", "这家宝贝真好看", "孩子们放假了"]
            >>> m = PostClassifier(cv=2, min_df=1).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> proba, why = m.predict_explained(["追星冲呀宝宝们", "火锅真好吃"], top=1)
            >>> bool(proba[0] < 0.5), why[0][0][0], why[1]
            (True, 'rule:vetoed', [])
        """
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"top must be a whole number >= 0; got {top!r}")
        check_is_fitted(self, "model_")
        items = post_texts(texts)
        own = self._own(items, _segment(self.segment, getattr(self, "segments_dir_", None)), own_texts)
        if context is None and not isinstance(prior, str) and len(set(own)) < len(own):
            # the same own text, the same features and explanation ("auto" would estimate the
            # prior from the posts' probabilities: each post counts there, so not with it)
            first = dict.fromkeys(own)
            at = {o: k for k, o in enumerate(first)}
            once, why_once = self._explained(list(first), list(first), top, None, prior, rule_scores)
            rows = [at[o] for o in own]
            return once[rows], [list(why_once[k]) for k in rows]
        return self._explained(items, own, top, context, prior, rule_scores)

    def _explained(
        self,
        texts: list[str | None],
        own: list[str],
        top: int,
        context: object,
        prior: str | float | None,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None,
    ) -> tuple[np.ndarray, list[list[tuple[str, float]]]]:
        """:meth:`predict_explained` of ``texts`` whose own texts (:meth:`_own`) are ``own``."""
        parts = self._features(texts, context, rule_scores, own=own)
        proba = np.zeros(len(parts.own))
        out: list[list[tuple[str, float]]] = [[] for _ in parts.own]
        X = parts.matrix
        if X.shape[0] == 0:
            return proba, out
        decision = self.model_.decision_function(X)
        proba[parts.relevant] = self._calibrate(decision)
        a, b = self.calibration_
        if prior is not None and a > 0:  # the labels' way: log-odds measured from the threshold
            threshold = self.decide(proba, prior).threshold
            if 0 < threshold < 1:
                decision = decision - (np.log(threshold / (1 - threshold)) - b) / a
        contrib = X.multiply(self.model_.coef_[0].astype(np.float64)[np.newaxis, :]).tocsr()
        names = self._feature_names()
        rows = np.flatnonzero(parts.relevant)
        for row, terms in enumerate(_top_terms(contrib, decision >= 0, top)):
            out[rows[row]] = [(str(names[j]), round(v, 4)) for j, v in terms]
        return proba, out

    def _feature_names(self) -> np.ndarray:
        """The name of every feature column (read-only; built once per fitted model and kept in a
        cache beside it, never pickled with it: scikit-learn's ``get_feature_names_out`` sorts
        the whole vocabulary on every call)."""
        state = (
            self.word_vectorizer_,
            self.char_vectorizer_,
            self.word_vectorizer_.vocabulary_,
            self.char_vectorizer_.vocabulary_,
            self.word_vectors_,
            self.rule_features,
            self.signal_features,
            getattr(self, "local_vectorizer_", None),
        )
        cached = _FEATURE_NAMES.get(self)
        if cached is not None and all(a is b for a, b in zip(cached[0], state, strict=True)):
            return cached[1]
        names = ["w:" + n for n in self.word_vectorizer_.get_feature_names_out()]
        names += ["c:" + n for n in self.char_vectorizer_.get_feature_names_out()]
        if self.rule_features:
            names += list(RULE_FEATURES)
        if self.signal_features:
            names += signal_names(_segment(self.segment, getattr(self, "segments_dir_", None)))
        if self.word_vectors_ is not None:
            names += [f"e:{j}" for j in range(self.word_vectors_.vectors_.shape[1])]
        local = getattr(self, "local_vectorizer_", None)
        if local is not None:
            names += ["l:" + n for n in local.get_feature_names_out()]
            names += list(LOCAL_FEATURES)
        out = np.array(names, dtype=object)
        out.flags.writeable = False
        _FEATURE_NAMES[self] = (state, out)
        return out

    def __sklearn_tags__(self):  # inputs are raw strings, not a numeric array
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _relevant_contexts(context: object, relevant: np.ndarray) -> list[str] | None:
    """:func:`nlp.features.clean_contexts` of the contexts of the ``relevant`` posts only (the
    model reads no other), each distinct context cleaned once; None when none has words (as
    ``clean_contexts`` of all of them gives the same features: an empty context is no context).

    Example:
        >>> _relevant_contexts(["宝宝 //@a:b", None, "宝宝 //@a:b"], np.array([True, True, False]))
        ['宝宝', '']
    """
    if context is None:
        return None
    items = post_texts(context, "context")
    if len(items) != len(relevant):
        clean_contexts(items, len(relevant))  # raises its message: one context per post
    cleaned: dict[str | None, str] = {}
    out: list[str] = []
    for c, keep in zip(items, relevant.tolist(), strict=True):
        if keep:
            got = cleaned.get(c)
            if got is None:
                got = cleaned[c] = clean_own_text(c)
            out.append(got)
    return out if any(out) else None


def _top_terms(contrib: sp.csr_matrix, up: np.ndarray, top: int) -> list[list[tuple[int, float]]]:
    """Per row of ``contrib``: ``(column, value)`` of at most ``top`` entries pushing the row's way
    (``value > 0`` where ``up``, else ``< 0``), largest ``abs(value)`` first, ties by column.

    The same as sorting each row's entries by ``(-abs(value), column)``, done for all rows at once:
    each row's entries below its ``top``-th largest distinct ``abs(value)`` cannot be among its
    ``top``, so only the others are sorted.

    Example:
        >>> m = sp.csr_matrix(np.array([[0.5, -2.0, 0.5, 1.0], [0.5, -2.0, 0.5, 1.0]]))
        >>> _top_terms(m, np.array([True, False]), 2)
        [[(3, 1.0), (0, 0.5)], [(1, -2.0)]]
    """
    n = contrib.shape[0]
    rows = np.repeat(np.arange(n), np.diff(contrib.indptr))
    cols = contrib.indices
    val = np.asarray(contrib.data, dtype=np.float64)
    keep = np.where(up[rows], val > 0, val < 0)
    rows, cols, val = rows[keep], cols[keep], val[keep]
    size = np.abs(val)
    # the top-th largest distinct size of each row (-inf when the row has fewer): a bound below
    # which no entry of the row can be among its top
    counts = np.bincount(rows, minlength=n)
    filled = counts > 0
    starts = (np.cumsum(counts) - counts)[filled]
    level = np.full(n, -np.inf)
    left = size.copy()
    for _ in range(top):
        if not len(left):
            break
        level[filled] = np.maximum.reduceat(left, starts)
        left[left >= level[rows]] = -np.inf
    near = size >= level[rows]
    rows, cols, val, size = rows[near], cols[near], val[near], size[near]
    order = np.lexsort((cols, -size, rows))
    rows, cols, val = rows[order], cols[order], val[order]
    first = np.searchsorted(rows, rows, side="left")
    chosen = np.arange(len(rows)) - first < top
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for r, c, v in zip(rows[chosen].tolist(), cols[chosen].tolist(), val[chosen].tolist(), strict=True):
        out[r].append((c, v))
    return out


def _check_prior(value: object, name: str, *, auto: bool = False) -> None:
    if auto and value == "auto":
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        what = '"auto" or a number' if auto else "a number"
        raise ValueError(f"{name} must be {what} strictly between 0 and 1; got {value!r}")


def _labels(y: object, n: int) -> np.ndarray:
    labels = np.asarray(list(y) if not isinstance(y, np.ndarray) else y)  # type: ignore[call-overload]
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"y must hold one label per text: {n} texts, got shape {labels.shape}")
    try:
        labels = labels.astype(np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"labels must be 0 or 1; got values like {labels[:3].tolist()}") from None
    bad = sorted(set(labels.tolist()) - {0, 1})
    if bad:
        raise ValueError(f"labels must be 0 or 1; got {bad[:5]} (drop abstained rows, label -1, first)")
    return labels


def _weights(sample_weight: object, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    weights = np.asarray(list(sample_weight), dtype=np.float64)  # type: ignore[call-overload]
    if weights.shape != (n,) or not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(
            f"sample_weight must hold one finite weight >= 0 per text ({n}); got shape {weights.shape}"
        )
    return weights


def _copy_vectors(vectors: WordVectors) -> WordVectors:
    check_is_fitted(vectors, "vectors_")
    copy = WordVectors(**vectors.get_params())
    copy.vectors_, copy.vocabulary_ = vectors.vectors_, dict(vectors.vocabulary_)
    return copy
