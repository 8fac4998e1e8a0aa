"""A post classifier for one segment, trained from the rules (weak supervision) plus gold labels.

The rules in ``data/segments/<name>.toml`` (:func:`nlp.tagger.score_post`) label a large real
corpus: clear positives become 1, vetoed posts and posts without any segment word become 0, the
unclear middle is left out (:func:`weak_labels`). Analyst gold labels (a CSV ``id,text,label``,
:func:`read_gold`) override and add to them. :class:`PostClassifier` learns from these labels
with word n-grams (``nlp.tokenize.tokenize`` over the cleaned own text) and character n-grams,
a linear SVM and sigmoid-calibrated probabilities, so it generalises beyond the lexicon;
:meth:`PostClassifier.explain` names the n-grams behind a score. A post may come with its
``context`` (the text of the post it reposts or replies to; :func:`ced_source_texts` finds it for
CED replies): the rule features then read it through the segment's ``[context]`` rule.

Model files: :func:`save_model` writes ``data/models/<segment>.joblib`` and a sidecar
``<segment>.joblib.json`` recording what the model depends on (scikit-learn version, model format,
tokenizer backend and version, dictionary and segment file hashes, training data hash).
:func:`load_model` refuses a model whose sidecar does not match the running environment.

Example:
    >>> texts = ["我家宝宝今天会翻身了", "宝宝夜奶三次好累", "孕32周胎动好厉害", "给娃做辅食南瓜泥",
    ...          "今天股市大跌", "这家火锅真好吃", "周末去爬山了", "新手机到了开心"]
    >>> model = PostClassifier(calibration_cv=2).fit(texts, [1, 1, 1, 1, 0, 0, 0, 0])
    >>> model.predict(["宝宝夜奶好累", "火锅好吃"]).tolist()
    [1, 0]
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import math
import os
import re
import sys
import types
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

import nlp.tokenize as _tokenize_module
from nlp.clean import clean_own_text
from nlp.segments import DEFAULT_SEGMENTS_DIR, SegmentDefinition, load_segment
from nlp.tagger import PostScore, score_own_text, topic_weight
from nlp.tokenize import dictionary_path, tokenize, tokenize_codes

__all__ = [
    "DEFAULT_MODELS_DIR",
    "GOLD_SPLIT_SEED",
    "MODEL_FORMAT_VERSION",
    "ModelMismatchError",
    "PostClassifier",
    "binary_scores",
    "ced_source_texts",
    "gold_groups",
    "gold_split",
    "load_model",
    "load_real_corpora",
    "model_environment",
    "read_gold",
    "read_posts_csv",
    "save_model",
    "weak_labels",
]

#: Version of the model file layout; bump it when PostClassifier's fitted state changes.
MODEL_FORMAT_VERSION = 2  # 2: optional context (context_* params, context_vectorizer_)
#: Where ``make model`` writes models: ``<repo>/data/models``.
DEFAULT_MODELS_DIR: Path = Path(__file__).resolve().parents[1] / "data" / "models"
#: Seed of :func:`gold_split` (the one dev/test split of a gold set).
GOLD_SPLIT_SEED = 20261122

ABSTAIN = -1
_RETRAIN = "run `make model` to retrain it"


class ModelMismatchError(RuntimeError):
    """A saved model does not fit the running environment (or its files are missing/damaged)."""


# ---------------------------------------------------------------------------------------------
# features


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


def _texts(texts: object, what: str = "texts") -> list[str | None]:
    if isinstance(texts, str):
        raise TypeError(f"{what} must be a list of post texts, not one string; wrap it: [{texts[:20]!r}]")
    if isinstance(texts, pd.DataFrame):
        raise TypeError(f"{what} must be a list or Series of texts; got a DataFrame (pick the text column)")
    try:
        out = list(texts)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{what} must be a list of post texts; got {type(texts).__name__}") from None
    for i, t in enumerate(out):
        if t is not None and not isinstance(t, str) and not (isinstance(t, float) and math.isnan(t)):
            raise TypeError(f"{what}[{i}] must be a str or None; got {type(t).__name__} {t!r}")
    return [t if isinstance(t, str) else None for t in out]


_RULE_FEATURES = ("rule:score", "rule:positive", "rule:vetoed")
_MULTI_SPACE = re.compile(r"\s\s+")  # what scikit-learn's char analyzer folds to one space


_SLICES: dict[int, list[slice]] = {}


def _slices(n: int, count: int) -> list[slice]:
    """``[slice(0, n), slice(1, n + 1), ...]``, ``count`` of them (cached: no Python loop per post)."""
    have = _SLICES.setdefault(n, [])
    if len(have) < count:
        have.extend(slice(i, i + n) for i in range(len(have), max(count, 2 * len(have))))
    return have[:count]


def _char_ids(doc: str, lo: int, hi: int, get, out: list[int]) -> None:
    """Append the vocabulary index (-1 if absent) of each char n-gram of ``doc`` to ``out``."""
    doc = _MULTI_SPACE.sub(" ", doc.lower())
    size = len(doc)
    for n in range(lo, min(hi, size) + 1):
        out.extend(map(get, map(doc.__getitem__, _slices(n, size - n + 1)), itertools.repeat(-1)))


_CHAR_BITS = 21  # every Unicode code point is < 2**21 (0x10FFFF)
_CHAR_PACK_MAX = 3  # n-grams up to 3 characters pack into one int64 (3 x 21 = 63 bits)
_CHUNK_CHARS = 4_000_000  # code points per numpy batch of _char_columns (bounds its memory)


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as int64 (lone surrogates included, as Python counts them)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def _pack(points: np.ndarray, n: int, count: int, bits: int = _CHAR_BITS) -> np.ndarray:
    """Int64 code of each of the first ``count`` n-grams of ``points`` (one n-gram per start),
    ``bits`` bits an item."""
    code = points[:count].copy()
    for k in range(1, n):
        code <<= bits
        code |= points[k : k + count]
    return code


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / golden ratio


@dataclass(frozen=True)
class _CodeTable:
    """A hash table from int64 codes (>= 0) to columns that looks up whole arrays at once.

    Open addressing with linear probing in a table of at least four slots a key, so that a
    lookup takes little more than one gather (a binary search over sorted codes takes ~15).
    """

    keys: np.ndarray  # int64 code in each slot, -1 where empty
    values: np.ndarray  # int64 column of the code in each slot
    shift: np.uint64  # 64 - log2(slots): a code's first slot is the top bits of code * multiplier

    @classmethod
    def build(cls, codes: np.ndarray, values: np.ndarray) -> _CodeTable:
        """A table of distinct ``codes`` (int64 >= 0) -> ``values``."""
        bits = max(4, (4 * len(codes)).bit_length())
        size = 1 << bits
        table = cls(np.full(size, -1, dtype=np.int64), np.zeros(size, dtype=np.int64),
                    np.uint64(64 - bits))
        slot = table._home(codes)
        pending = np.arange(len(codes))
        while len(pending):
            want = slot[pending]
            free = table.keys[want] == -1
            _, first = np.unique(want[free], return_index=True)  # one winner per free slot
            win = pending[free][first]
            table.keys[slot[win]] = codes[win]
            table.values[slot[win]] = values[win]
            placed = np.zeros(len(codes), dtype=bool)
            placed[win] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & (size - 1)  # the others probe the next slot
        return table

    def _home(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * _HASH_MULTIPLIER) >> self.shift).astype(np.int64)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """The value of each code, -1 for codes not in the table."""
        out = np.full(len(codes), -1, dtype=np.int64)
        mask = len(self.keys) - 1
        todo = np.arange(len(codes))
        slot = self._home(codes)
        want = codes
        while len(todo):
            found = self.keys[slot]
            hit = found == want
            out[todo[hit]] = self.values[slot[hit]]
            on = ~hit & (found != -1)  # another code sits in this slot: probe the next one
            todo, slot, want = todo[on], (slot[on] + 1) & mask, want[on]
        return out


@dataclass(frozen=True)
class _CharIndex:
    """A char vectorizer's vocabulary as int64 n-gram codes, one :class:`_CodeTable` per length."""

    vocabulary: dict  # the ``vocabulary_`` it was built from (an edited vectorizer rebuilds it)
    tables: dict[int, _CodeTable]  # n -> codes of the vocabulary's n-grams of n characters -> column


# Built once per fitted vectorizer, on first use; kept beside it (never pickled with a model) and
# rebuilt when its ``vocabulary_`` is replaced (a refit), not when that dict is edited in place.
_CHAR_INDEX: weakref.WeakKeyDictionary[TfidfVectorizer, _CharIndex] = weakref.WeakKeyDictionary()


def _cached_index(cache: weakref.WeakKeyDictionary, vectorizer: TfidfVectorizer,
                  build: Callable[[dict], Any]) -> Any:
    """``cache``'s index of ``vectorizer``, built by ``build(vocabulary_)`` when missing or when
    the vectorizer's ``vocabulary_`` is another dict than the one it was built from (a refit)."""
    vocabulary = vectorizer.vocabulary_
    index = cache.get(vectorizer)
    if index is None or index.vocabulary is not vocabulary:
        index = cache[vectorizer] = build(vocabulary)
    return index


def _char_index(vectorizer: TfidfVectorizer) -> _CharIndex:
    return _cached_index(_CHAR_INDEX, vectorizer, _build_char_index)


def _build_char_index(vocabulary: dict) -> _CharIndex:
    terms: dict[int, list[str]] = {}
    cols: dict[int, list[int]] = {}
    for term, col in vocabulary.items():
        if len(term) > _CHAR_PACK_MAX:
            continue  # only n-grams of at most 3 characters are looked up this way
        terms.setdefault(len(term), []).append(term)
        cols.setdefault(len(term), []).append(col)
    tables: dict[int, _CodeTable] = {}
    for n, words in terms.items():
        points = _code_points("".join(words)).reshape(len(words), n)
        code = np.zeros(len(words), dtype=np.int64)
        for k in range(n):
            code = (code << _CHAR_BITS) | points[:, k]
        tables[n] = _CodeTable.build(code, np.asarray(cols[n], dtype=np.int64))
    return _CharIndex(vocabulary, tables)


def _char_columns(vectorizer: TfidfVectorizer, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every vocabulary char n-gram of ``docs`` (already lowercased and with
    runs of whitespace folded to one space), one pair per occurrence.

    All docs of a batch are concatenated into one array of code points; each n-gram becomes one
    int64 (21 bits a character), is looked up in a hash table of the vocabulary's codes
    (:func:`_char_index`), and n-grams that would run past the end of their doc are dropped.
    """
    index = _char_index(vectorizer)
    lo, hi = vectorizer.ngram_range
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    start = 0
    while start < len(docs):
        stop, size = start, 0
        while stop < len(docs) and (size < _CHUNK_CHARS or stop == start):
            size += len(docs[stop])
            stop += 1
        batch = docs[start:stop]
        lens = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        points = _code_points("".join(batch))
        doc_of = np.repeat(np.arange(start, stop, dtype=np.int64), lens)
        end_of = np.repeat(np.cumsum(lens), lens)  # where each position's doc ends (exclusive)
        for n in range(lo, hi + 1):
            table = index.tables.get(n)
            count = len(points) - n + 1
            if table is None or count <= 0:
                continue
            col = table.lookup(_pack(points, n, count))
            keep = (col >= 0) & (np.arange(count) + n <= end_of[:count])
            rows.append(doc_of[:count][keep])
            cols.append(col[keep])
        start = stop
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


_CHUNK_DOCS = 250_000  # posts per batch of _word_columns (bounds the memory of its token lists)


@dataclass(frozen=True)
class _WordIndex:
    """A word vectorizer's n-grams of two or more words, split into their words."""

    vocabulary: dict  # the ``vocabulary_`` it was built from (an edited vectorizer rebuilds it)
    grams: dict[int, tuple[list[list[str]], np.ndarray]]  # n -> (words of each n-gram, its column)


# Like _CHAR_INDEX, for word vectorizers.
_WORD_INDEX: weakref.WeakKeyDictionary[TfidfVectorizer, _WordIndex] = weakref.WeakKeyDictionary()


def _word_index(vectorizer: TfidfVectorizer) -> _WordIndex:
    return _cached_index(_WORD_INDEX, vectorizer, _build_word_index)


def _build_word_index(vocabulary: dict) -> _WordIndex:
    words: dict[int, list[list[str]]] = {}
    cols: dict[int, list[int]] = {}
    for term, col in vocabulary.items():
        parts = term.split(" ")
        if len(parts) >= 2:  # an n-gram of n words without spaces has n - 1 spaces
            words.setdefault(len(parts), []).append(parts)
            cols.setdefault(len(parts), []).append(col)
    return _WordIndex(vocabulary, {n: (words[n], np.asarray(cols[n], dtype=np.int64)) for n in words})


def _word_table(index: _WordIndex, n: int, code_of: dict[str, int], bits: int) -> _CodeTable:
    """The vocabulary's n-grams of ``n`` words as a table of packed word codes (``code_of``:
    the batch's code of each word) -> column; n-grams holding a word the batch lacks are left out
    (they cannot occur in it)."""
    grams, columns = index.grams.get(n, ([], np.zeros(0, dtype=np.int64)))
    codes: list[int] = []
    keep: list[int] = []
    for i, parts in enumerate(grams):
        code = 0
        for w in parts:
            c = code_of.get(w)
            if c is None:
                break
            code = (code << bits) | c
        else:
            codes.append(code)
            keep.append(i)
    return _CodeTable.build(np.asarray(codes, dtype=np.int64), columns[np.asarray(keep, dtype=np.int64)])


def _word_columns(vectorizer: TfidfVectorizer, own: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every vocabulary word n-gram of ``own`` (lowercased first, as the
    vectorizer does), one pair per occurrence.

    With the classifier's own tokenizer (:func:`_segment_tokens`), the words of a batch of posts
    come as integer codes (:func:`nlp.tokenize.tokenize_codes`), laid end to end; an n-gram of
    n > 1 words is one int64 packing its words' codes, looked up in a hash table of the
    vocabulary's n-grams packed the same way (an n-gram of words without spaces, joined with
    spaces, equals a vocabulary entry exactly when its words equal that entry's words split at
    the spaces); n-grams that would run past the end of their post are dropped. Other
    tokenizers, words holding spaces or codes too wide to pack fall back to joining the words
    and a dict ``get``.
    """
    v = vectorizer
    lo, hi = v.ngram_range
    tok = v.tokenizer
    ours = (isinstance(tok, functools.partial) and tok.func is _segment_tokens and len(tok.args) == 1
            and not tok.keywords)
    tokenizer = None if ours else v.build_tokenizer()
    get = v.vocabulary_.get
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, len(own), _CHUNK_DOCS):
        docs = [doc.lower() for doc in own[start : start + _CHUNK_DOCS]]
        if ours:
            words, codes, counts = tokenize_codes(docs, tok.args[0])
        else:
            tokens = [tokenizer(d) for d in docs]
            flat = np.empty(sum(map(len, tokens)), dtype=object)
            flat[:] = list(itertools.chain.from_iterable(tokens))
            codes, uniques = pd.factorize(flat)
            words = uniques.tolist()
            counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        doc_of = np.repeat(np.arange(start, start + len(docs), dtype=np.int64), counts)
        end_of = np.repeat(np.cumsum(counts), counts)  # where each position's post ends (exclusive)
        bits = max(1, (len(words) - 1).bit_length())
        packable = not any(" " in w for w in words)
        code_of: dict[str, int] | None = None
        flat_words: list[str] | None = None
        for n in range(lo, hi + 1):
            count = len(codes) - n + 1
            if count <= 0:
                continue
            if n == 1:
                col = np.fromiter((get(w, -1) for w in words), dtype=np.int64, count=len(words))[codes]
            elif packable and n * bits <= 63:
                if code_of is None:
                    code_of = {w: i for i, w in enumerate(words)}
                table = _word_table(_word_index(v), n, code_of, bits)
                col = table.lookup(_pack(codes, n, count, bits))
            else:  # join the words, as scikit-learn does, and look the n-gram up
                if flat_words is None:
                    flat_words = [words[c] for c in codes.tolist()]
                grams = zip(*(flat_words[k : k + count] for k in range(n)), strict=True)
                col = np.fromiter((get(" ".join(g), -1) for g in grams), dtype=np.int64, count=count)
            keep = (col >= 0) & (np.arange(count) + n <= end_of[:count])
            rows.append(doc_of[:count][keep])
            cols.append(col[keep])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _fast_tfidf(vectorizer: TfidfVectorizer, own: list[str]) -> sp.csr_matrix:
    """``vectorizer.transform(own)``, several times faster: same n-grams, counts, idf and L2 norm.

    Character n-grams (up to 3 characters) are found with numpy (:func:`_char_columns`), word
    n-grams and longer character n-grams with a dict ``get`` (:func:`_word_columns`,
    :func:`_char_ids`; scikit-learn looks every n-gram up with try/except, and most n-grams of a
    new post are not in the vocabulary, so the exceptions dominate). Falls back to ``transform``
    for settings it does not reproduce.
    ``tests/nlp/test_classifier.py`` checks that both agree on real and tricky posts.
    """
    v = vectorizer
    if (not v.lowercase or v.strip_accents is not None or v.stop_words is not None or v.binary
            or v.preprocessor is not None or v.input != "content" or v.norm not in ("l2", None)
            or v.analyzer not in ("char", "word")):
        return v.transform(own)
    lo, hi = v.ngram_range
    if v.analyzer == "word":
        rows, flat = _word_columns(v, own)
    elif hi <= _CHAR_PACK_MAX:
        rows, flat = _char_columns(v, [_MULTI_SPACE.sub(" ", doc.lower()) for doc in own])
    else:  # character n-grams too long to pack into an int64: a dict lookup each
        get = v.vocabulary_.get
        ids: list[int] = []  # vocabulary index of every n-gram of every post, -1 when not in it
        ends = np.empty(len(own), dtype=np.int64)
        for i, doc in enumerate(own):
            _char_ids(doc, lo, hi, get, ids)
            ends[i] = len(ids)
        flat = np.asarray(ids, dtype=np.int64)
        rows = np.repeat(np.arange(len(own)), np.diff(ends, prepend=0))
        keep = flat >= 0
        rows, flat = rows[keep], flat[keep]
    X = sp.csr_matrix(
        (np.ones(len(flat), dtype=v.dtype), (rows, flat)),
        shape=(len(own), len(v.vocabulary_)),
    )  # duplicates are summed: term counts
    X.sum_duplicates()
    X.sort_indices()
    if v.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    if v.use_idf:
        X.data *= v.idf_[X.indices]
    if v.norm == "l2" and X.nnz:
        row_nnz = np.diff(X.indptr)
        rows = np.repeat(np.arange(X.shape[0]), row_nnz)
        norms = np.sqrt(np.bincount(rows, weights=X.data.astype(np.float64) ** 2, minlength=X.shape[0]))
        norms[norms == 0] = 1.0
        X.data /= norms[rows].astype(X.data.dtype)
    return X


def _rule_matrix(own: list[str], segment: SegmentDefinition, ctx: list[str] | None = None,
                 known: Mapping[str, PostScore] | None = None) -> sp.csr_matrix:
    """Rule score, positive and veto flags of each post; read with its context when given (the
    segment's ``[context]`` rule), as :func:`nlp.tagger.score_post` does.

    ``known``: ``{own text: score_own_text(own text, segment)}`` already computed by the caller;
    a post found there and not read with a context is not scored again.
    """
    topics = _context_weights(ctx, segment) if segment.context is not None else None
    get = known.get if known is not None else None
    scores: list[PostScore] = []
    for i, o in enumerate(own):
        topic = None if topics is None else topics[i]
        s = get(o) if get is not None and topic is None else None
        scores.append(score_own_text(o, segment, topic) if s is None else s)
    n = len(scores)
    rows = np.zeros((n, len(_RULE_FEATURES)), dtype=np.float32)
    rows[:, 0] = np.fromiter((s.score for s in scores), dtype=np.float64, count=n)
    rows[:, 1] = np.fromiter((s.positive for s in scores), dtype=bool, count=n)
    rows[:, 2] = np.fromiter((bool(s.vetoes) for s in scores), dtype=bool, count=n)
    return sp.csr_matrix(rows)


def _context_weights(ctx: list[str] | None, segment: SegmentDefinition) -> list[float | None] | None:
    """:func:`nlp.tagger.topic_weight` of each cleaned context (None where empty)."""
    if ctx is None:
        return None
    cache: dict[str, float] = {}
    out: list[float | None] = []
    for c in ctx:
        if not c:
            out.append(None)
            continue
        t = cache.get(c)
        if t is None:
            t = cache[c] = topic_weight(c, segment)
        out.append(t)
    return out


_CONTEXT_FEATURES = ("ctx:topic", "ctx:topic*rule", "ctx:topic*first_person", "ctx:topic*short")
#: The author speaks of themself or their family (a short reply "我家也是" under a parenting post).
_FIRST_PERSON = re.compile(r"我|俺|咱|本人|自己")


def _contexts(context: object, n: int) -> list[str] | None:
    """Cleaned own text of each context (the post being reposted or replied to), or None."""
    if context is None:
        return None
    items = _texts(context, "context")
    if len(items) != n:
        raise ValueError(f"context must hold one text (or None) per post: {n} posts, got {len(items)}")
    out = [clean_own_text(c) for c in items]
    return out if any(out) else None


def _context_matrix(own: list[str], ctx: list[str] | None, segment: SegmentDefinition,
                    ) -> tuple[np.ndarray, sp.csr_matrix]:
    """(topic score of each post's context, the ``ctx:`` interaction features); zeros without context."""
    topic = np.zeros(len(own), dtype=np.float32)
    for i, w in enumerate(_context_weights(ctx, segment) or []):
        if w:
            topic[i] = 1.0 - math.exp(-w / segment.scale)
    rows = np.zeros((len(own), len(_CONTEXT_FEATURES)), dtype=np.float32)
    for i in np.flatnonzero(topic):
        o = own[i]
        if not o:
            continue
        s = score_own_text(o, segment)
        rows[i] = (1.0, s.score, float(_FIRST_PERSON.search(o) is not None), float(len(o) <= 20))
        rows[i] *= topic[i]
    return topic, sp.csr_matrix(rows)


_PREDICT_BATCH = 200_000  # posts per batch of PostClassifier.predict_proba

# PostClassifier._feature_names of each model: (fitted state it was built from, params, names).
_FEATURE_NAMES: weakref.WeakKeyDictionary[PostClassifier, tuple[tuple, tuple, np.ndarray]] = (
    weakref.WeakKeyDictionary())


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
            if not (isinstance(r, tuple | list) and len(r) == 2 and all(isinstance(v, int) for v in r)
                    and 1 <= r[0] <= r[1] <= 6):
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

    def fit(self, texts: object, y: object, sample_weight: object = None, *,
            context: object = None) -> PostClassifier:
        """Learn from raw post texts and 0/1 labels (optionally weighted per post); returns ``self``.

        ``sample_weight`` lets a few gold labels count more than many rule labels. ``context``:
        optional, one text (or None) per post, the post it reposts or replies to.
        """
        self._check_params()
        raw = _texts(texts)
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
                raise ValueError(f"sample_weight must hold one finite weight >= 0 per text ({len(raw)}); "
                                 f"got shape {weights.shape}")
        seg = load_segment(self.segment)
        own = [clean_own_text(t) for t in raw]
        tokens = functools.partial(_segment_tokens, seg.dictionary)
        common = {"min_df": self.min_df, "max_features": self.max_features, "sublinear_tf": True,
                  "dtype": np.float32, "lowercase": True}
        self.word_vectorizer_ = TfidfVectorizer(
            tokenizer=tokens, token_pattern=None, ngram_range=tuple(self.word_ngram_range), **common
        )
        self.char_vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=tuple(self.char_ngram_range),
                                                **common)
        blocks = [self.word_vectorizer_.fit_transform(own), self.char_vectorizer_.fit_transform(own)]
        ctx = _contexts(context, len(raw))
        if self.rule_features:
            blocks.append(_rule_matrix(own, seg, ctx))
        self.context_vectorizer_ = None
        if self.context_text:
            docs = sorted({c for c in ctx if c}) if ctx is not None else []  # each source post once
            ctx_common = {**common, "min_df": min(self.min_df, max(1, len(docs)))}
            self.context_vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), **ctx_common)
            self.context_vectorizer_.fit(docs or ["_"])
        blocks.extend(self._context_blocks(blocks[0], blocks[1], own, ctx, seg))
        X = sp.hstack(blocks, format="csr", dtype=np.float32)
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state,
                        max_iter=5000)
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
        return bool(getattr(self, "context_features", 0) or getattr(self, "context_ngrams", 0)
                    or getattr(self, "context_text", 0))

    def _context_blocks(self, words: sp.csr_matrix, chars: sp.csr_matrix, own: list[str],
                        ctx: list[str] | None, seg: SegmentDefinition) -> list[sp.csr_matrix]:
        if not self._uses_context:
            return []
        topic, feats = _context_matrix(own, ctx, seg)
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
                out.append(_fast_tfidf(v, ctx) * np.float32(self.context_text))
        return out

    def _features(self, texts: object, context: object = None,
                  rule_scores: tuple[SegmentDefinition, Mapping[str, PostScore]] | None = None) -> _Parts:
        check_is_fitted(self, "calibrated_")
        own = [clean_own_text(t) for t in _texts(texts)]
        words, chars = _fast_tfidf(self.word_vectorizer_, own), _fast_tfidf(self.char_vectorizer_, own)
        blocks = [words, chars]
        ctx = _contexts(context, len(own))
        seg = _segment(self.segment) if self.rule_features or self._uses_context else None
        if self.rule_features:
            known = None
            if rule_scores is not None and (rule_scores[0] is seg or rule_scores[0] == seg):
                known = rule_scores[1]  # scored with this model's segment: reuse
            blocks.append(_rule_matrix(own, seg, ctx, known))
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

    def predict_proba(self, texts: object, context: object = None, *,
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
        items = _texts(texts)
        ctx = None if context is None else _texts(context, "context")
        if len(items) > _PREDICT_BATCH and (ctx is None or len(ctx) == len(items)):
            batches = range(0, len(items), _PREDICT_BATCH)
            return np.vstack([self.predict_proba(items[i : i + _PREDICT_BATCH],
                                                 None if ctx is None else ctx[i : i + _PREDICT_BATCH],
                                                 rule_scores=rule_scores) for i in batches])
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
        state = (self.word_vectorizer_, self.char_vectorizer_, self.word_vectorizer_.vocabulary_,
                 self.char_vectorizer_.vocabulary_, getattr(self, "context_vectorizer_", None))
        params = (self.rule_features, self.context_features, self.context_ngrams, self.context_text)
        cached = _FEATURE_NAMES.get(self)
        if (cached is not None and cached[1] == params
                and all(a is b for a, b in zip(cached[0], state, strict=True))):
            return cached[2]
        words = ["w:" + n for n in self.word_vectorizer_.get_feature_names_out()]
        chars = ["c:" + n for n in self.char_vectorizer_.get_feature_names_out()]
        rules = list(_RULE_FEATURES) if self.rule_features else []
        ctx: list[str] = []
        if self._uses_context:
            if self.context_features:
                ctx += list(_CONTEXT_FEATURES)
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


# ---------------------------------------------------------------------------------------------
# labels


def weak_labels(
    texts: object, segment: SegmentDefinition | str, *, negative_below: float = 0.5
) -> np.ndarray:
    """Labels from the rules: 1 positive, 0 confident negative, -1 unclear (leave it out).

    A post is 1 when :func:`nlp.tagger.score_post` calls it positive; 0 when a veto holds or its
    raw rule score is below ``negative_below`` × the segment's threshold (no or only weak segment
    words); -1 (abstain) otherwise: some parenting words, not enough to be sure.

    Example:
        >>> weak_labels(["宝宝夜奶三次好累", "今天股市大跌", "孩子们放假了", "奶瓶好贵"], "mothers").tolist()
        [1, 0, 0, -1]
    """
    seg = load_segment(segment) if isinstance(segment, str) else segment
    if not isinstance(seg, SegmentDefinition):
        raise TypeError(f"segment must be a name or a SegmentDefinition; got {type(segment).__name__}")
    low = negative_below * seg.threshold
    items = _texts(texts)
    out = np.empty(len(items), dtype=np.int8)
    cache: dict[str, int] = {}
    for i, t in enumerate(items):
        own = clean_own_text(t)
        label = cache.get(own)
        if label is None:
            s = score_own_text(own, seg)
            raw = -seg.scale * math.log(max(1e-12, 1.0 - s.score)) if s.score > 0 else 0.0
            if s.positive:
                label = 1
            elif s.vetoes or raw < low - 1e-9:
                label = 0
            else:
                label = ABSTAIN
            cache[own] = label
        out[i] = label
    return out


def _read_csv_any(path: Path) -> pd.DataFrame:
    """Read a CSV as strings: UTF-8 (with or without BOM), else GB18030."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}: the file is empty; expected a CSV with a header row") from None
        except pd.errors.ParserError as exc:
            raise ValueError(f"{path}: not a readable CSV ({exc})") from None
    raise ValueError(f"{path}: not UTF-8 or GB18030 text; save it as UTF-8 CSV")


def read_posts_csv(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Read a CSV of posts (UTF-8, UTF-8 with BOM or GB18030) as strings; check ``columns``.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
        >>> _ = p.write_text("id,text\\n1,宝宝夜奶\\n", encoding="utf-8-sig")
        >>> read_posts_csv(p, ["id", "text"]).values.tolist()
        [['1', '宝宝夜奶']]
    """
    path = Path(path)
    df = _read_csv_any(path)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}, got "
            f"{', '.join(df.columns) or 'no columns'} (name them with --id-column/--text-column)"
        )
    return df


def read_gold(path: str | Path) -> pd.DataFrame:
    """Gold labels: a CSV with columns ``id, text, label`` (label 0 or 1; other columns kept).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
        >>> _ = p.write_text("id,text,label\\na,我家宝宝会走了,1\\nb,股市,0\\n", encoding="utf-8")
        >>> read_gold(p)["label"].tolist()
        [1, 0]
    """
    path = Path(path)
    df = read_posts_csv(path, ["id", "text", "label"])
    labels = df["label"].str.strip()
    bad = df.index[~labels.isin(["0", "1"])]
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"{path}: label must be 0 or 1; got {df['label'].iloc[i]!r} on data row {i + 1} "
            f"(id {df['id'].iloc[i]!r}) and {len(bad) - 1} more"
        )
    df["label"] = labels.astype(np.int64)
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise ValueError(f"{path}: ids must be unique; {dup.iloc[0]!r} appears more than once")
    return df.reset_index(drop=True)


def gold_groups(ids: object) -> pd.Series:
    """The group of each gold id: the replies of one CED cascade (ids ``ced-r-<cascade>/<mid>``)
    share one, any other post is a group of its own. Replies in one thread share their source
    post, their topic and often their words, so a split must keep each thread on one side.

    >>> gold_groups(["ced-r-12_AbC_9/m1", "ced-r-12_AbC_9/m2", "senti-test-5"]).tolist()
    ['ced:12_AbC_9', 'ced:12_AbC_9', 'senti-test-5']
    """
    s = pd.Series(list(ids), dtype=object).astype(str)
    thread = s.str.extract(r"^ced-r-([^/]+)/", expand=False)
    return ("ced:" + thread).where(thread.notna(), s)


def gold_split(gold: pd.DataFrame, seed: int = GOLD_SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split gold labels once into (dev, test) halves, by thread (:func:`gold_groups`: every
    reply of a CED cascade on the same side), balanced in positives and in rows.

    Threads are taken in the order of a hash of ``seed`` and their group, so the split does not
    depend on the file's row order; each goes to the half with fewer positives (a thread with
    a positive) or fewer negatives (one without), dev on ties. Adding rows can move a few threads,
    so retrain (``make model``) after adding gold rows, which the model's sidecar check enforces.

    Example:
        >>> g = pd.DataFrame({"id": list("abcdefgh"), "text": list("abcdefgh"), "label": [0, 1] * 4})
        >>> dev, test = gold_split(g)
        >>> len(dev), len(test), sorted(dev["label"].tolist())
        (4, 4, [0, 0, 1, 1])
    """
    group = gold_groups(gold["id"]).to_numpy()
    label = gold["label"].astype(int).to_numpy()
    stats = pd.DataFrame({"group": group, "pos": label, "rows": 1}).groupby("group").sum()
    stats["key"] = [hashlib.sha256(f"{seed}:{g}".encode()).hexdigest() for g in stats.index]
    pos, neg = [0, 0], [0, 0]
    in_dev: set[str] = set()
    for g, n_pos, n_rows in stats.sort_values("key")[["pos", "rows"]].itertuples():
        side = int((pos[0], neg[0]) > (pos[1], neg[1])) if n_pos else int(neg[0] > neg[1])
        pos[side] += n_pos
        neg[side] += n_rows - n_pos
        if side == 0:
            in_dev.add(g)
    dev_mask = np.isin(group, list(in_dev))
    return gold[dev_mask].reset_index(drop=True), gold[~dev_mask].reset_index(drop=True)


def binary_scores(y_true: object, y_pred: object) -> dict[str, float | int]:
    """Precision, recall, F1 and the confusion counts of 0/1 predictions.

    Example:
        >>> binary_scores([1, 1, 0, 0], [1, 0, 1, 0])
        {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'tp': 1, 'fp': 1, 'fn': 1, 'tn': 1, 'n': 4}
    """
    t = np.asarray(list(y_true), dtype=np.int64)
    p = np.asarray(list(y_pred), dtype=np.int64)
    tp = int(((t == 1) & (p == 1)).sum())
    fp = int(((t == 0) & (p == 1)).sum())
    fn = int(((t == 1) & (p == 0)).sum())
    tn = int(((t == 0) & (p == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn, "n": len(t)}


# ---------------------------------------------------------------------------------------------
# the real corpora (../shared/data)


def _reserved(data_dir: Path) -> set[str]:
    path = data_dir / "reserved.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the real data dir must hold reserved.csv (rows kept out of training); "
            f"set TAJIAN_REAL_DATA to the folder of the shared real data"
        )
    with open(path, encoding="utf-8", newline="") as f:
        return {f"{r['source']}:{r['row_id']}" for r in csv.DictReader(f)}


def load_real_corpora(data_dir: str | Path) -> pd.DataFrame:
    """Every real post text, minus the reserved rows: columns ``id, source, text``.

    Reads weibo_senti_100k (dev, test), weiboNER (train, dev, test) and CED (originals and
    reposts) from ``data_dir`` (see its README). ``id`` is ``<source>:<row key>`` as in
    ``reserved.csv``. Rows listed there are dropped, and so is every other row whose cleaned own
    text equals a reserved row's, so no reserved text reaches training.
    """
    data_dir = Path(data_dir)
    reserved = _reserved(data_dir)
    frames = []
    for split in ("dev", "test"):
        # tab-separated "label<TAB>text", one post a line; row N = the N-th line after the header
        lines = (data_dir / "weibo_senti_100k" / f"{split}.csv").read_text(encoding="utf-8").split("\n")[1:]
        rows = [(f"weibo_senti_100k:{split}-{n}", ln.split("\t", 1)[1]) for n, ln in enumerate(lines) if ln]
        frames.append(pd.DataFrame(rows, columns=["id", "text"]).assign(source="weibo_senti_100k"))
    for split in ("train", "dev", "test"):
        ner = pd.read_csv(data_dir / "weiboNER" / f"weiboNER_{split}_messages.csv", dtype=str,
                          keep_default_na=False, usecols=["row_id", "text"])
        frames.append(pd.DataFrame({"id": "weiboNER:" + ner["row_id"], "text": ner["text"],
                                    "source": "weiboNER"}))
    orig = pd.read_csv(data_dir / "ced" / "ced_original.csv", dtype=str, keep_default_na=False,
                       usecols=["cascade", "text"])
    frames.append(pd.DataFrame({"id": "ced_original:" + orig["cascade"], "text": orig["text"],
                                "source": "ced_original"}))
    rep = pd.read_csv(data_dir / "ced" / "ced_reposts.csv", dtype=str, keep_default_na=False,
                      usecols=["cascade", "mid", "text"])
    rep = rep[rep["text"] != ""]
    frames.append(pd.DataFrame({"id": "ced_repost:" + rep["cascade"] + "/" + rep["mid"], "text": rep["text"],
                                "source": "ced_repost"}))
    df = pd.concat(frames, ignore_index=True)[["id", "source", "text"]]
    is_reserved = df["id"].isin(reserved)
    own = df["text"].map(clean_own_text)
    reserved_own = set(own[is_reserved]) - {""}
    keep = ~is_reserved & ~own.isin(reserved_own)
    return df[keep].reset_index(drop=True)


_CED_REPOST_ID = re.compile(r"^(?:ced-r-|ced_repost:)([^/]+)/")


def ced_source_texts(ids: object, data_dir: str | Path) -> list[str | None]:
    """The context of CED reposts: for each id of a CED repost or comment (``ced-r-<cascade>/<mid>``
    as in the gold set, or ``ced_repost:<cascade>/<mid>`` as in :func:`load_real_corpora`), the
    text of its cascade's source post (``ced/ced_original.csv``); None for other ids and for
    cascades whose source post is reserved (``reserved.csv``: never read into anything).

    Example:
        >>> ced_source_texts(["senti-dev-1"], "/nonexistent")
        [None]
    """
    items = [str(i) for i in ids]  # type: ignore[attr-defined]
    wanted = {m.group(1) for i in items if (m := _CED_REPOST_ID.match(i))}
    if not wanted:
        return [None] * len(items)
    data_dir = Path(data_dir)
    reserved = _reserved(data_dir)
    orig = pd.read_csv(data_dir / "ced" / "ced_original.csv", dtype=str, keep_default_na=False,
                       usecols=["cascade", "text"])
    source = {c: t for c, t in zip(orig["cascade"], orig["text"], strict=True)
              if c in wanted and f"ced_original:{c}" not in reserved}
    return [source.get(m.group(1)) if (m := _CED_REPOST_ID.match(i)) else None for i in items]


# ---------------------------------------------------------------------------------------------
# model files


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _tokenizer_backend() -> tuple[str, str]:
    """(backend, version) that ``nlp.tokenize`` cuts words with: rjieba or jieba."""
    declared = getattr(_tokenize_module, "BACKEND", None)
    if isinstance(declared, str) and declared:
        return declared, _version(declared)
    names = vars(_tokenize_module)
    for name in ("rjieba", "jieba"):
        if isinstance(names.get(name), types.ModuleType):
            return name, _version(name)
    return "unknown", "unknown"


def model_environment(segment: str) -> dict[str, object]:
    """What a model of ``segment`` depends on in this environment (the sidecar's checked fields).

    Example:
        >>> env = model_environment("mothers")
        >>> sorted(env)[:3], len(env["segment_sha256"])
        (['dictionary_sha256', 'model_format_version', 'scikit_learn_version'], 64)
    """
    import sklearn

    seg = load_segment(segment)
    backend, version = _tokenizer_backend()
    dictionary = dictionary_path(seg.dictionary) if seg.dictionary else None
    return {
        "model_format_version": MODEL_FORMAT_VERSION,
        "scikit_learn_version": sklearn.__version__,
        "tokenizer_backend": backend,
        "tokenizer_version": version,
        "dictionary_sha256": _sha256_file(dictionary) if dictionary else "none",
        "segment_sha256": _sha256_file(Path(seg.source)),
    }


_CHECKED = ("model_format_version", "scikit_learn_version", "tokenizer_backend", "tokenizer_version",
            "dictionary_sha256", "segment_sha256")


def save_model(model: PostClassifier, path: str | Path | None = None, *,
               training: dict[str, object] | None = None) -> Path:
    """Write a fitted model to ``path`` (default ``data/models/<segment>.joblib``) plus its sidecar.

    The sidecar ``<path>.json`` records the environment (:func:`model_environment`), the training
    data's sha256 and row count, the model file's sha256, when it was made and ``training`` (a
    JSON-able description of the training sources, e.g. which gold half was used). Returns the path.
    """
    import joblib

    if not isinstance(model, PostClassifier):
        raise TypeError(f"save_model expects a PostClassifier; got {type(model).__name__}")
    check_is_fitted(model, "calibrated_")
    path = Path(path) if path is not None else DEFAULT_MODELS_DIR / f"{model.segment}.joblib"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(model, tmp, compress=("xz", 6))
    sidecar = {
        **model_environment(model.segment),
        "segment": model.segment,
        "training_data_sha256": model.training_sha256_,
        "n_training_rows": model.n_training_rows_,
        "n_training_positive": model.n_positive_,
        "n_features": {"word": model.n_word_features_, "char": model.n_char_features_},
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "training": training or {},
        "model_sha256": _sha256_file(tmp),
        "python_version": ".".join(map(str, sys.version_info[:3])),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    side = path.with_name(path.name + ".json")
    side_tmp = side.with_name(side.name + ".tmp")
    side_tmp.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    os.replace(side_tmp, side)
    return path


def load_model(segment: str, models_dir: str | Path | None = None, *, path: str | Path | None = None,
               ) -> PostClassifier:
    """Load ``<models_dir>/<segment>.joblib`` after checking its sidecar against this environment.

    Raises :class:`ModelMismatchError` naming each field that differs (the model's value vs this
    environment's) when the scikit-learn version, model format, tokenizer, dictionary or segment
    file changed since the model was trained, and ``FileNotFoundError`` when there is no model;
    both say to run ``make model``.
    """
    import joblib

    if path is None:
        folder = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
        path = folder / f"{segment}.joblib"
    path = Path(path)
    side = path.with_name(path.name + ".json")
    if not path.is_file():
        raise FileNotFoundError(f"no classifier model for segment {segment!r}: {path} is missing; {_RETRAIN}")
    if not side.is_file():
        raise ModelMismatchError(f"{path}: its sidecar {side.name} is missing, so it cannot be checked; "
                                 f"{_RETRAIN}")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMismatchError(f"{side}: unreadable sidecar ({exc}); {_RETRAIN}") from None
    if not isinstance(meta, dict):
        raise ModelMismatchError(f"{side}: the sidecar must be a JSON object; {_RETRAIN}")
    problems = []
    if meta.get("segment") != segment:
        problems.append(f"segment: the model is for {meta.get('segment')!r}, asked for {segment!r}")
    env = model_environment(segment)
    for key in _CHECKED:
        if meta.get(key) != env[key]:
            problems.append(f"{key}: model has {meta.get(key)!r}, this environment has {env[key]!r}")
    if not problems and meta.get("model_sha256") != _sha256_file(path):
        problems.append(f"model_sha256: the sidecar says {meta.get('model_sha256')!r}, the file differs")
    if problems:
        raise ModelMismatchError(
            f"the {segment} model {path} does not match this environment: " + "; ".join(problems)
            + f"; {_RETRAIN}"
        )
    model = joblib.load(path)
    if not isinstance(model, PostClassifier):
        raise ModelMismatchError(f"{path}: holds a {type(model).__name__}, not a PostClassifier; {_RETRAIN}")
    return model
