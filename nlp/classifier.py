"""A post classifier for one segment, trained from the rules (weak supervision) plus gold labels.

The rules in ``data/segments/<name>.toml`` (:func:`nlp.tagger.score_post`) label a large real
corpus (:func:`nlp.weak_labels.weak_labels`); analyst gold labels (a CSV ``id,text,label``,
:func:`nlp.corpora.read_gold`) override and add to them. :class:`PostClassifier` learns from
these labels with word n-grams (``nlp.tokenize.tokenize`` over the cleaned own text) and
character n-grams, a linear SVM and sigmoid-calibrated probabilities, so it generalises beyond
the lexicon; :meth:`PostClassifier.explain` names the n-grams behind a score. A post may come
with its ``context`` (the text of the post it reposts or replies to;
:func:`nlp.corpora.ced_source_texts` finds it for CED replies): the rule features then read it
through the segment's ``[context]`` rule. The feature blocks are built in :mod:`nlp.features`;
model files are written and checked by :mod:`nlp.model_files`, whose pickles name this module's
``PostClassifier`` and ``_segment_tokens`` (keep both here).

Example:
    >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥",
    ...          "今天股市大跌", "这家火锅真好吃", "周末去爬山了", "新手机到了开心"]
    >>> model = PostClassifier(calibration_cv=2).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
    >>> model.predict(["宝宝夜奶好累", "火锅好吃"]).tolist()
    [1, 0]
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from nlp.clean import clean_own_text
from nlp.features import (
    CONTEXT_FEATURES,
    RULE_FEATURES,
    clean_contexts,
    context_matrix,
    fast_tfidf,
    post_texts,
    register_segment_tokenizer,
    rule_matrix,
)
from nlp.segments import DEFAULT_SEGMENTS_DIR, SegmentDefinition, load_segment
from nlp.tagger import PostScore
from nlp.tokenize import tokenize

__all__ = ["PostClassifier"]


# Model files pickle the word vectorizer's tokenizer by this path: nlp.classifier._segment_tokens.
@register_segment_tokenizer
def _segment_tokens(dictionary: str | None, text: str) -> list[str]:
    """Word tokens of ``text`` with the segment's dictionary (module-level, so it pickles)."""
    return tokenize(text, dictionary)


@functools.lru_cache(maxsize=8)
def _cached_segment(name: str, mtime_ns: int) -> SegmentDefinition:
    del mtime_ns  # cache key only: an edited segment file is reloaded
    return load_segment(name)


def _segment(name: str) -> SegmentDefinition:
    path = DEFAULT_SEGMENTS_DIR / f"{name}.toml"
    mtime = path.stat().st_mtime_ns if path.is_file() else 0
    return _cached_segment(name, mtime)


_PREDICT_BATCH = 200_000  # posts per batch of PostClassifier.predict_proba

# PostClassifier._feature_names of each model: (fitted state it was built from, params, names).
_FEATURE_NAMES: weakref.WeakKeyDictionary[PostClassifier, tuple[tuple, tuple, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class _Parts:
    own: list[str]
    matrix: sp.csr_matrix


class PostClassifier(ClassifierMixin, BaseEstimator):
    """Does a post belong to ``segment``? A linear model over word and character n-grams.

    Follows the scikit-learn estimator contract (``get_params``/``set_params``/``clone``; fitted
    state in attributes ending in ``_``). Inputs are raw Weibo post texts: each is cleaned with
    :func:`nlp.clean.clean_own_text` (the repost chain never counts), cut into words with
    :func:`nlp.tokenize.tokenize` and the segment's dictionary, and turned into TF-IDF word
    n-grams plus character n-grams plus the rule score, positive and veto flags. A ``LinearSVC`` is fitted,
    with probabilities from a sigmoid fitted on out-of-fold decisions (``CalibratedClassifierCV``,
    one final model). ``predict`` gives 1 when the probability reaches ``threshold``.

    Parameters:
        segment: segment name (``data/segments/<segment>.toml``; its dictionary cuts the words).
        C: inverse regularisation of the SVM.
        word_ngram_range, char_ngram_range: n-gram lengths, ``(min, max)``.
        min_df: an n-gram must occur in this many training posts.
        max_features: at most this many word and this many character n-grams (most frequent).
        rule_features: add the rule score, positive flag and veto flag as features (on by default:
            without them a model trained on rule labels keeps only part of what the rules know;
            5-fold CV on the gold dev half gave F1 0.28 without, 0.51 with).
        context_features, context_ngrams, context_text: weights (0 = off) of three feature blocks
            built from the optional ``context`` of a post (the text of the post it reposts or
            replies to): ``ctx:`` features = the context's topic score (``1 - exp(-w / scale)``,
            ``w`` = :func:`nlp.tagger.topic_weight`) alone
            and times the post's rule score, first-person flag and shortness; the post's own
            n-grams times the context's topic score (``xw:``/``xc:`` features: "囤" under a diaper
            post); the context's own character n-grams (``t:`` features). A post without context
            gets zeros in all three. Off by default: on the gold dev half none of them helped
            (the rule features below read the context anyway, through the segment's
            ``[context]`` rule).
        class_weight: ``"balanced"`` or None (passed to LinearSVC).
        calibration_cv: folds for the probability calibration.
        threshold: probability at which ``predict`` (and the tagger) says 1. The probability is
            calibrated on the training labels, mostly rule labels of the real corpora (about 0.3%
            positive), so it is low for the short replies parents write; ``make model`` sets the
            threshold by cross-validation on the gold dev half (``scripts/train_model.py``).
        random_state: seed of the calibration folds and the SVM.

    Example:
        >>> m = PostClassifier(C=0.3, calibration_cv=2)
        >>> m.get_params()["C"], m.segment
        (0.3, 'mothers')
    """

    def __init__(
        self,
        segment: str = "mothers",
        *,
        C: float = 0.5,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 2,
        max_features: int | None = 60_000,
        rule_features: bool = True,
        context_features: float = 0.0,
        context_ngrams: float = 0.0,
        context_text: float = 0.0,
        class_weight: str | None = "balanced",
        calibration_cv: int = 3,
        threshold: float = 0.5,
        random_state: int | None = 0,
    ) -> None:
        self.segment = segment
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.rule_features = rule_features
        self.context_features = context_features
        self.context_ngrams = context_ngrams
        self.context_text = context_text
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.threshold = threshold
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------

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
        if not (isinstance(self.threshold, int | float) and 0 < self.threshold < 1):
            raise ValueError(f"threshold must be strictly between 0 and 1; got {self.threshold!r}")
        if not (isinstance(self.calibration_cv, int) and self.calibration_cv >= 2):
            raise ValueError(f"calibration_cv must be a whole number >= 2; got {self.calibration_cv!r}")
        for name in ("context_features", "context_ngrams", "context_text"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, int | float) and 0 <= v <= 100):
                raise ValueError(f"{name} must be a weight between 0 (off) and 100; got {v!r}")

    def fit(
        self, texts: object, y: object, sample_weight: object = None, *, context: object = None
    ) -> PostClassifier:
        """Learn from raw post texts and 0/1 labels (optionally weighted per post); returns ``self``.

        ``sample_weight`` lets a few gold labels count more than many rule labels. ``context``:
        optional, one text (or None) per post, the post it reposts or replies to.
        """
        self._check_params()
        raw = post_texts(texts)
        labels = np.asarray(list(y) if not isinstance(y, np.ndarray) else y)
        if labels.ndim != 1 or len(labels) != len(raw):
            raise ValueError(f"y must hold one label per text: {len(raw)} texts, got shape {labels.shape}")
        try:
            labels = labels.astype(np.int64)
        except (TypeError, ValueError):
            raise ValueError(f"labels must be 0 or 1; got values like {labels[:3].tolist()}") from None
        bad = sorted(set(labels.tolist()) - {0, 1})
        if bad:
            raise ValueError(f"labels must be 0 or 1; got {bad[:5]} (drop abstained rows, label -1, first)")
        counts = np.bincount(labels, minlength=2)
        if counts.min() < self.calibration_cv:
            raise ValueError(
                f"need at least calibration_cv={self.calibration_cv} posts of each label; got "
                f"{counts[0]} negatives and {counts[1]} positives"
            )
        weights = None
        if sample_weight is not None:
            weights = np.asarray(list(sample_weight), dtype=np.float64)
            if weights.shape != labels.shape or not np.isfinite(weights).all() or (weights < 0).any():
                raise ValueError(
                    f"sample_weight must hold one finite weight >= 0 per text ({len(raw)}); "
                    f"got shape {weights.shape}"
                )
        seg = load_segment(self.segment)
        own = [clean_own_text(t) for t in raw]
        tokens = functools.partial(_segment_tokens, seg.dictionary)
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
        blocks = [self.word_vectorizer_.fit_transform(own), self.char_vectorizer_.fit_transform(own)]
        ctx = clean_contexts(context, len(raw))
        if self.rule_features:
            blocks.append(rule_matrix(own, seg, ctx))
        self.context_vectorizer_ = None
        if self.context_text:
            docs = sorted({c for c in ctx if c}) if ctx is not None else []  # each source post once
            ctx_common = {**common, "min_df": min(self.min_df, max(1, len(docs)))}
            self.context_vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), **ctx_common)
            self.context_vectorizer_.fit(docs or ["_"])
        blocks.extend(self._context_blocks(blocks[0], blocks[1], own, ctx, seg))
        X = sp.hstack(blocks, format="csr", dtype=np.float32)
        svm = LinearSVC(
            C=self.C, class_weight=self.class_weight, random_state=self.random_state, max_iter=5000
        )
        folds = StratifiedKFold(self.calibration_cv, shuffle=True, random_state=self.random_state)
        self.calibrated_ = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
        self.calibrated_.fit(X, labels, sample_weight=weights)
        final = self.calibrated_.calibrated_classifiers_[0].estimator
        final.coef_ = final.coef_.astype(np.float32)  # half the file size; scores agree to ~1e-6
        self.classes_ = np.array([0, 1])
        self.n_word_features_ = len(self.word_vectorizer_.vocabulary_)
        self.n_char_features_ = len(self.char_vectorizer_.vocabulary_)
        digest = hashlib.sha256()
        for text, label in zip(raw, labels.tolist(), strict=True):
            digest.update(f"{label}\t{text or ''}\n".encode())
        if weights is not None:
            digest.update(weights.tobytes())
        self.training_sha256_ = digest.hexdigest()
        self.n_training_rows_ = len(raw)
        self.n_positive_ = int(counts[1])
        return self

    # -- scoring ---------------------------------------------------------------------------

    @property
    def _uses_context(self) -> bool:
        return bool(
            getattr(self, "context_features", 0)
            or getattr(self, "context_ngrams", 0)
            or getattr(self, "context_text", 0)
        )

    def _context_blocks(
        self,
        words: sp.csr_matrix,
        chars: sp.csr_matrix,
        own: list[str],
        ctx: list[str] | None,
        seg: SegmentDefinition,
    ) -> list[sp.csr_matrix]:
        if not self._uses_context:
            return []
        topic, feats = context_matrix(own, ctx, seg)
        out = []
        if self.context_features:
            out.append(feats * np.float32(self.context_features))
        if self.context_ngrams:
            scale = sp.diags(topic * np.float32(self.context_ngrams))
            out.extend([(scale @ words).tocsr(), (scale @ chars).tocsr()])
        if self.context_text:
            v = self.context_vectorizer_
            if ctx is None:
                out.append(sp.csr_matrix((len(own), len(v.vocabulary_)), dtype=np.float32))
            else:
                out.append(fast_tfidf(v, ctx) * np.float32(self.context_text))
        return out

    def _features(
        self,
        texts: object,
        context: object = None,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None,
    ) -> _Parts:
        check_is_fitted(self, "calibrated_")
        own = [clean_own_text(t) for t in post_texts(texts)]
        words, chars = fast_tfidf(self.word_vectorizer_, own), fast_tfidf(self.char_vectorizer_, own)
        blocks = [words, chars]
        ctx = clean_contexts(context, len(own))
        seg = _segment(self.segment) if self.rule_features or self._uses_context else None
        if self.rule_features:
            known = None
            if rule_scores is not None and (rule_scores[0] is seg or rule_scores[0] == seg):
                known = rule_scores[1]  # scored with this model's segment: reuse
            blocks.append(rule_matrix(own, seg, ctx, known))
        if self._uses_context:
            blocks.extend(self._context_blocks(words, chars, own, ctx, seg))
        return _Parts(own, sp.hstack(blocks, format="csr", dtype=np.float32))

    @property
    def _svm(self) -> LinearSVC:
        return self.calibrated_.calibrated_classifiers_[0].estimator

    def decision_function(self, texts: object, context: object = None) -> np.ndarray:
        """Signed distance from the SVM's boundary (> 0 leans to the segment), one per text."""
        X = self._features(texts, context).matrix  # checks the model is fitted first
        if X.shape[0] == 0:
            return np.zeros(0)
        return self._svm.decision_function(X)

    def predict_proba(
        self,
        texts: object,
        context: object = None,
        *,
        rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, shape (n, 2): column 1 is P(post belongs to the segment).

        A post without own text (a bare repost) gets the probability of an empty post.
        ``context``: optional, one text (or None) per post, the post it reposts or replies to
        (used by a model trained with context features; others check its length and ignore it).
        ``rule_scores``: optional ``(segment, {cleaned own text: nlp.tagger.score_own_text(text,
        segment)})`` the caller already has (:func:`nlp.tagger.tag_user_segments` does); when the
        segment equals this model's, a post whose cleaned text is found there (and that is not
        read with a context) is not scored by the rules again. It never changes the result.
        Many posts are scored in batches of ``_PREDICT_BATCH`` (every feature is computed post by
        post, so batches give the same numbers) to bound the memory of the feature matrices.
        """
        check_is_fitted(self, "calibrated_")
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
        X = self._features(items, ctx, rule_scores).matrix
        if X.shape[0] == 0:
            return np.zeros((0, 2))
        return self.calibrated_.predict_proba(X)

    def predict(self, texts: object, context: object = None) -> np.ndarray:
        """1 where ``predict_proba(...)[:, 1] >= threshold``, else 0."""
        return (self.predict_proba(texts, context)[:, 1] >= self.threshold).astype(np.int64)

    def explain(self, text: str | None, top: int = 5) -> list[tuple[str, float]]:
        """The n-grams that moved this post's decision most: ``[(feature, contribution)]``.

        Features are ``w:`` word n-grams (words joined by a space), ``c:`` character n-grams or
        ``rule:`` rule features; the contribution is the term's share of the decision function
        (> 0 pushes towards the segment). Only terms pointing the way of the post's decision
        (towards the segment when the post is predicted 1, i.e. its probability reaches
        ``threshold``; away from it otherwise), strongest first, at most ``top``.

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食",
            ...          "今天股市大跌", "这家火锅真好吃", "周末去爬山了", "新手机到了开心"]
            >>> m = PostClassifier(calibration_cv=2).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> [f for f, _ in m.explain("宝宝夜奶", top=2)]
            ['rule:positive', 'rule:score']
        """
        if text is not None and not isinstance(text, str):
            raise TypeError(f"explain expects one post text (str); got {type(text).__name__}")
        return self.predict_explained([text], top=top)[1][0]

    def predict_explained(
        self, texts: object, top: int = 5, context: object = None
    ) -> tuple[np.ndarray, list[list[tuple[str, float]]]]:
        """``(P(segment) per text, explain() of each text)`` in one pass over the texts.

        Example:
            >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食",
            ...          "今天股市大跌", "这家火锅真好吃", "周末去爬山了", "新手机到了开心"]
            >>> m = PostClassifier(calibration_cv=2).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
            >>> proba, why = m.predict_explained(["火锅真好吃", ""], top=1)
            >>> bool(proba[0] < 0.5), why
            (True, [[('c:好', -0.1416)], []])
        """
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"top must be a whole number >= 0; got {top!r}")
        X = self._features(texts, context).matrix
        if X.shape[0] == 0:
            return np.zeros(0), []
        proba = self.calibrated_.predict_proba(X)[:, 1]
        contrib = X.multiply(self._svm.coef_[0].astype(np.float64)[np.newaxis, :]).tocsr()
        names = self._feature_names()
        out: list[list[tuple[str, float]]] = []
        for i in range(X.shape[0]):
            lo, hi = contrib.indptr[i], contrib.indptr[i + 1]
            idx, val = contrib.indices[lo:hi], np.asarray(contrib.data[lo:hi], dtype=np.float64)
            keep = val > 0 if proba[i] >= self.threshold else val < 0
            idx, val = idx[keep], val[keep]
            order = np.lexsort((idx, -np.abs(val)))[:top]
            out.append([(str(names[idx[k]]), round(float(val[k]), 4)) for k in order])
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
            getattr(self, "context_vectorizer_", None),
        )
        params = (self.rule_features, self.context_features, self.context_ngrams, self.context_text)
        cached = _FEATURE_NAMES.get(self)
        if (
            cached is not None
            and cached[1] == params
            and all(a is b for a, b in zip(cached[0], state, strict=True))
        ):
            return cached[2]
        words = ["w:" + n for n in self.word_vectorizer_.get_feature_names_out()]
        chars = ["c:" + n for n in self.char_vectorizer_.get_feature_names_out()]
        rules = list(RULE_FEATURES) if self.rule_features else []
        ctx: list[str] = []
        if self._uses_context:
            if self.context_features:
                ctx += list(CONTEXT_FEATURES)
            if self.context_ngrams:
                ctx += ["x" + n for n in words + chars]
            if self.context_text:
                ctx += ["t:" + n for n in self.context_vectorizer_.get_feature_names_out()]
        names = np.array(words + chars + rules + ctx, dtype=object)
        names.flags.writeable = False
        _FEATURE_NAMES[self] = (state, params, names)
        return names

    def __sklearn_tags__(self):  # inputs are raw strings, not a numeric array
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
