"""The feature blocks of a post classifier, built from cleaned own texts.

:class:`nlp.classifier.PostClassifier` stacks these blocks into one sparse matrix:

- TF-IDF word and character n-grams. Fitting uses scikit-learn's ``TfidfVectorizer``; at
  prediction time :func:`fast_tfidf` computes the same matrix several times faster (numpy
  look-ups of packed n-gram codes in hash tables, :class:`_CodeTable`, instead of one dict
  look-up per n-gram).
- The rule features (:data:`RULE_FEATURES`, :func:`rule_matrix`): the lexicon's score, positive
  and veto flags of each post (:func:`nlp.post_rules.score_own_text`).
- The signal features (:func:`signal_names`, :func:`signal_matrix`): one 0/1 column per
  pattern kind and veto category of the segment that matches, per named regex of its
  ``[features]`` table, and the length band of the post.
- The local context of the segment's words (:func:`child_windows`, :data:`LOCAL_FEATURES`,
  :func:`local_context_matrix`): the few characters around each match of the segment's
  ``[prefilter]`` (a char n-gram vectorizer reads them), and whose the word is (the nearest person
  word before it in its clause), whether it sits in a #topic# or 【】《》, where in its clause.

:func:`post_texts` checks the estimator's inputs (a list of texts) and :func:`clean_contexts`
cleans the optional contexts. Plain library code: no state beyond per-vectorizer look-up tables
kept beside the vectorizers (never pickled with a model).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.clean import clean_own_text
from nlp.post_rules import _EPS, PostScore, _gate_masks, _required_chars, score_own_text, topic_weight
from nlp.segments import SegmentDefinition, cached_per_segment
from nlp.tokenize import tokenize_codes

__all__ = [
    "LENGTH_BANDS",
    "LOCAL_FEATURES",
    "RULE_FEATURES",
    "WordCodes",
    "child_windows",
    "clean_contexts",
    "fast_tfidf",
    "local_context_matrix",
    "post_texts",
    "raw_gate",
    "register_segment_tokenizer",
    "rule_matrix",
    "signal_matrix",
    "signal_names",
    "word_codes",
]


def post_texts(texts: object, what: str = "texts") -> list[str | None]:
    """``texts`` as a list of post texts, None for a missing one (None or NaN); TypeError for one
    string, a DataFrame or items that are not texts (``what`` names the argument in the message).

    Example:
        >>> post_texts(["宝宝夜奶", None, float("nan")])
        ['宝宝夜奶', None, None]
    """
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


# Word tokenizers ``f(dictionary, text)`` that return ``nlp.tokenize.tokenize(text, dictionary)``
# (:func:`register_segment_tokenizer`).
_SEGMENT_TOKENIZERS: set[Callable[..., list[str]]] = set()
_Tokenizer = TypeVar("_Tokenizer", bound=Callable[..., list[str]])


def register_segment_tokenizer(func: _Tokenizer) -> _Tokenizer:
    """Declare that ``func(dictionary, text, data_dir=None)`` returns
    ``nlp.tokenize.tokenize(text, dictionary, data_dir=data_dir)``; returns ``func`` unchanged (use
    it as a decorator).

    A word vectorizer whose tokenizer is ``functools.partial(func, dictionary)`` is then cut a
    batch of posts at a time by :func:`fast_tfidf` (:func:`nlp.tokenize.tokenize_codes`). The
    estimator's tokenizer is defined in :mod:`nlp.classifier`, because model files pickle it by
    that path; it declares itself here.
    """
    _SEGMENT_TOKENIZERS.add(func)
    return func


RULE_FEATURES = ("rule:score", "rule:positive", "rule:vetoed")
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
        table = cls(np.full(size, -1, dtype=np.int64), np.zeros(size, dtype=np.int64), np.uint64(64 - bits))
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


def _cached_index(
    cache: weakref.WeakKeyDictionary, vectorizer: TfidfVectorizer, build: Callable[[dict], Any]
) -> Any:
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


def _segment_dictionary(vectorizer: TfidfVectorizer) -> str | Literal[False] | None:
    """The dictionary of a word vectorizer whose tokenizer is ``functools.partial(func,
    dictionary)`` of a registered ``func`` (:func:`register_segment_tokenizer`); False for any
    other tokenizer."""
    tok = vectorizer.tokenizer
    if (
        isinstance(tok, functools.partial)
        and tok.func in _SEGMENT_TOKENIZERS
        and len(tok.args) == 1
        and not tok.keywords
    ):
        return tok.args[0]
    return False


#: What :func:`nlp.tokenize.tokenize_codes` returns: (distinct words, codes, words per text).
WordCodes = tuple[list[str], np.ndarray, np.ndarray]


def word_codes(vectorizer: TfidfVectorizer, own: list[str], data_dir: Path | None = None) -> WordCodes | None:
    """The words :func:`fast_tfidf` cuts from ``own`` for a word ``vectorizer`` with a registered
    tokenizer (:func:`register_segment_tokenizer`): :func:`nlp.tokenize.tokenize_codes` of each
    text lowercased, with the tokenizer's dictionary read from ``data_dir``; None for any other
    tokenizer. Hand them to :func:`fast_tfidf` (``tokens=``) and reuse them elsewhere (the word
    vectors of the same texts) to cut each text once.

    Example:
        >>> from nlp.classifier import _segment_tokens
        >>> v = TfidfVectorizer(tokenizer=functools.partial(_segment_tokens, "mothers"), token_pattern=None)
        >>> words, codes, counts = word_codes(v, ["换了尿不湿", "OK了"])
        >>> [words[c] for c in codes], counts.tolist()
        (['换', '了', '尿不湿', 'ok', '了'], [3, 2])
    """
    dictionary = _segment_dictionary(vectorizer)
    if dictionary is False or vectorizer.analyzer != "word":
        return None
    return tokenize_codes([doc.lower() for doc in own], dictionary, data_dir=data_dir)


def _word_columns(
    vectorizer: TfidfVectorizer,
    own: list[str],
    data_dir: Path | None = None,
    tokens: WordCodes | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every vocabulary word n-gram of ``own`` (lowercased first, as the
    vectorizer does), one pair per occurrence.

    With a registered tokenizer (:func:`register_segment_tokenizer`: the classifier's own), the
    words of a batch of posts come as integer codes (:func:`nlp.tokenize.tokenize_codes`), laid
    end to end; an n-gram of
    n > 1 words is one int64 packing its words' codes, looked up in a hash table of the
    vocabulary's n-grams packed the same way (an n-gram of words without spaces, joined with
    spaces, equals a vocabulary entry exactly when its words equal that entry's words split at
    the spaces); n-grams that would run past the end of their post are dropped. Other
    tokenizers, words holding spaces or codes too wide to pack fall back to joining the words
    and a dict ``get``.
    """
    v = vectorizer
    lo, hi = v.ngram_range
    dictionary = _segment_dictionary(v)
    tokenizer: Callable[[str], list[str]] | None = v.build_tokenizer() if dictionary is False else None
    given = tokens is not None and tokenizer is None  # ours, cut by the caller: one chunk
    get = v.vocabulary_.get
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    chunk = max(1, len(own)) if given else _CHUNK_DOCS
    for start in range(0, len(own), chunk):
        docs = own if given else [doc.lower() for doc in own[start : start + chunk]]
        if given and tokens is not None:
            words, codes, counts = tokens
            if len(counts) != len(own):
                raise ValueError(
                    f"tokens must hold the words of each of the {len(own)} texts; got {len(counts)} "
                    f"(cut them with word_codes(vectorizer, texts))"
                )
        elif dictionary is not False:  # ours: tokenised here, in one pass over the chunk
            words, codes, counts = tokenize_codes(docs, dictionary, data_dir=data_dir)
        elif tokenizer is not None:
            cut = [tokenizer(d) for d in docs]
            flat = np.empty(sum(map(len, cut)), dtype=object)
            flat[:] = list(itertools.chain.from_iterable(cut))
            codes, uniques = pd.factorize(flat)
            words = uniques.tolist()
            counts = np.fromiter(map(len, cut), dtype=np.int64, count=len(cut))
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


def fast_tfidf(
    vectorizer: TfidfVectorizer,
    own: list[str],
    data_dir: Path | None = None,
    *,
    tokens: WordCodes | None = None,
) -> sp.csr_matrix:
    """``vectorizer.transform(own)``, several times faster: same n-grams, counts, idf and L2 norm.
    A word vectorizer with the classifier's registered tokenizer reads its dictionary from
    ``data_dir`` (default ``<repo>/data``); ``tokens``: its words of ``own`` already cut
    (:func:`word_codes` of the same vectorizer, texts and ``data_dir``), not cut again.

    Character n-grams (up to 3 characters) are found with numpy (:func:`_char_columns`), word
    n-grams and longer character n-grams with a dict ``get`` (:func:`_word_columns`,
    :func:`_char_ids`; scikit-learn looks every n-gram up with try/except, and most n-grams of a
    new post are not in the vocabulary, so the exceptions dominate). Falls back to ``transform``
    for settings it does not reproduce.
    ``tests/nlp/test_classifier.py`` checks that both agree on real and tricky posts.

    Example:
        >>> v = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit(["宝宝夜奶", "今天股市大跌"])
        >>> fast, slow = fast_tfidf(v, ["宝宝好累", "股市"]), v.transform(["宝宝好累", "股市"])
        >>> fast.shape, bool(abs(fast - slow).max() < 1e-6)
        ((2, 17), True)
    """
    v = vectorizer
    if (
        not v.lowercase
        or v.strip_accents is not None
        or v.stop_words is not None
        or v.binary
        or v.preprocessor is not None
        or v.input != "content"
        or v.norm not in ("l2", None)
        or v.analyzer not in ("char", "word")
    ):
        return v.transform(own)
    lo, hi = v.ngram_range
    if v.analyzer == "word":
        rows, flat = _word_columns(v, own, data_dir, tokens)
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


def rule_matrix(
    own: list[str],
    segment: SegmentDefinition,
    ctx: list[str] | None = None,
    known: Mapping[str, PostScore] | None = None,
) -> sp.csr_matrix:
    """Rule score, positive and veto flags of each post; read with its context when given (the
    segment's ``[context]`` rule), as :func:`nlp.post_rules.score_post` does.

    ``known``: ``{own text: score_own_text(own text, segment)}`` already computed by the caller;
    a post found there and not read with a context is not scored again.
    """
    rule = segment.context
    topics = _context_weights(ctx, segment) if rule is not None else None
    get = known.get if known is not None else None
    # a text's score depends on its context only through whether the context is on topic (the
    # [context] rule compares the topic with min_topic): each (text, on topic) scored once
    done: dict[tuple[str, bool], PostScore] = {}
    scores: list[PostScore] = []
    for i, o in enumerate(own):
        topic = None if topics is None else topics[i]
        s = get(o) if get is not None and topic is None else None
        if s is None:
            key = (o, rule is not None and topic is not None and topic >= rule.min_topic - _EPS)
            s = done.get(key)
            if s is None:
                s = done[key] = score_own_text(o, segment, topic)
        scores.append(s)
    n = len(scores)
    rows = np.zeros((n, len(RULE_FEATURES)), dtype=np.float32)
    rows[:, 0] = np.fromiter((s.score for s in scores), dtype=np.float64, count=n)
    rows[:, 1] = np.fromiter((s.positive for s in scores), dtype=bool, count=n)
    rows[:, 2] = np.fromiter((bool(s.vetoes) for s in scores), dtype=bool, count=n)
    return sp.csr_matrix(rows)


def _context_weights(ctx: list[str] | None, segment: SegmentDefinition) -> list[float | None] | None:
    """:func:`nlp.post_rules.topic_weight` of each cleaned context (None where empty)."""
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


def clean_contexts(context: object, n: int) -> list[str] | None:
    """Cleaned own text of each context (the post being reposted or replied to), or None."""
    if context is None:
        return None
    items = post_texts(context, "context")
    if len(items) != n:
        raise ValueError(f"context must hold one text (or None) per post: {n} posts, got {len(items)}")
    out = [clean_own_text(c) for c in items]
    return out if any(out) else None


#: Length bands of a post's cleaned own text, in characters: ``(name, from, up to but not incl.)``.
LENGTH_BANDS = (("short", 0, 12), ("medium", 12, 40), ("long", 40, None))


def signal_names(segment: SegmentDefinition) -> list[str]:
    """The columns of :func:`signal_matrix` for ``segment``, in order.

    >>> from nlp.segments import load_segment
    >>> names = signal_names(load_segment("mothers"))
    >>> names[:2], "f:first_person" in names, names[-1]
    (['kind:audience', 'kind:child_age'], True, 'len:long')
    """
    kinds = sorted({p.kind for p in segment.patterns})
    vetoes = sorted({v.category for v in segment.vetoes})
    return (
        [f"kind:{k}" for k in kinds]
        + [f"veto:{v}" for v in vetoes]
        + [f"f:{name}" for name, _ in segment.features]
        + [f"len:{b}" for b, _, _ in LENGTH_BANDS]
    )


@dataclass(frozen=True)
class _SignalGates:
    """The regexes of :func:`signal_matrix` (patterns, vetoes, ``[features]``, in that order),
    the column each one sets and their character gates (as :func:`nlp.post_rules.score_own_text`
    gates its patterns): a regex none of whose required characters is in a text cannot match it,
    so it is not searched."""

    regexes: tuple[re.Pattern[str], ...]
    columns: tuple[int, ...]
    gate_re: re.Pattern[str] | None  # any gate character of any regex
    gate_masks: dict[str, int]  # gate character -> bit i set for each regex i it opens
    ungated_mask: int  # bit i set for each regex i without a gate (always searched)
    width: int  # columns of the matrix


@cached_per_segment
def _signal_gates(segment: SegmentDefinition) -> _SignalGates:
    kinds = sorted({p.kind for p in segment.patterns})
    cats = sorted({v.category for v in segment.vetoes})
    kind_col = {k: j for j, k in enumerate(kinds)}
    cat_col = {c: len(kinds) + j for j, c in enumerate(cats)}
    feat_at = len(kinds) + len(cats)
    regexes = (
        *(p.regex for p in segment.patterns),
        *(v.regex for v in segment.vetoes),
        *(rx for _, rx in segment.features),
    )
    columns = (
        *(kind_col[p.kind] for p in segment.patterns),
        *(cat_col[v.category] for v in segment.vetoes),
        *(feat_at + j for j in range(len(segment.features))),
    )
    return _SignalGates(
        regexes,
        columns,
        *_gate_masks(tuple(map(_required_chars, regexes))),
        feat_at + len(segment.features) + len(LENGTH_BANDS),
    )


def signal_matrix(own: list[str], segment: SegmentDefinition) -> sp.csr_matrix:
    """0/1 signals of each cleaned own text (columns :func:`signal_names`): does any pattern of each
    kind match, does each veto category's regex match (whether or not a pattern overrides it), does
    each ``[features]`` regex match, and which length band the text falls in. Empty texts are all 0.

    Only the regexes whose required characters occur in a text are searched, and none whose
    column is already set (:class:`_SignalGates`): the same matrix as searching every one.

    >>> from nlp.segments import load_segment
    >>> seg = load_segment("mothers")
    >>> m = signal_matrix(["陪闺女写作业到十点", ""], seg)
    >>> names = signal_names(seg)
    >>> [names[j] for j in m[0].indices if names[j].startswith("f:")]
    ['f:child_does', 'f:with_child', 'f:school']
    >>> m[1].nnz
    0
    """
    g = _signal_gates(segment)
    band_at = g.width - len(LENGTH_BANDS)
    bands = [(band_at + j, lo, hi) for j, (_, lo, hi) in enumerate(LENGTH_BANDS)]
    regexes, columns, masks, findall = g.regexes, g.columns, g.gate_masks, None
    if g.gate_re is not None:
        findall = g.gate_re.findall
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(own):
        if not text:
            continue
        todo = g.ungated_mask
        if findall is not None:
            for ch in set(findall(text)):
                todo |= masks[ch]
        hit: set[int] = set()
        while todo:
            low = todo & -todo
            todo ^= low
            k = low.bit_length() - 1
            col = columns[k]
            if col not in hit and regexes[k].search(text):
                hit.add(col)
        n = len(text)
        hit.update(col for col, lo, hi in bands if lo <= n and (hi is None or n < hi))
        cols.extend(sorted(hit))
        rows.extend([i] * len(hit))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(own), g.width))


_GATE_RANGES = ((0x2E80, 0x2FDF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@functools.lru_cache(maxsize=1)
def _variants() -> dict[str, frozenset[str]]:
    """For each character, the characters that cleaning turns into it (NFKC, then traditional →
    simplified, one character at a time): ``{"宝": {"宝", "寶"}, …}`` over the CJK blocks."""
    import unicodedata

    from nlp.clean import to_simplified

    out: dict[str, set[str]] = {}
    for lo, hi in _GATE_RANGES:
        chars = "".join(chr(c) for c in range(lo, hi + 1))
        folded = to_simplified(unicodedata.normalize("NFKC", "\n".join(chars))).split("\n")
        for raw, clean in zip(chars, folded, strict=False):
            if len(clean) == 1 and clean != raw:
                out.setdefault(clean, {clean}).add(raw)
    return {c: frozenset(v) for c, v in out.items()}


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    """``str.translate`` table: each variant to the character cleaning makes of it; zero-width out."""
    table: dict[int, str | None] = {ord(z): None for z in "\u200b\u200c\u200d\u2060\ufeff"}
    for clean, raws in _variants().items():
        table.update((ord(r), clean) for r in raws if r != clean)
    return table


@functools.lru_cache(maxsize=32)
def raw_gate(prefilter: re.Pattern[str]) -> Callable[[str], bool] | None:
    """A test on the RAW post text that is true whenever the post's cleaned own text could match
    ``prefilter`` (a plain alternation of words): the raw text with every character folded as
    cleaning folds it (traditional → simplified, full-width and compatibility forms; zero-width
    characters dropped) must match. A post the gate rejects needs no cleaning: it cannot pass the
    prefilter. None when the prefilter is not a plain alternation of words (then every post is
    cleaned).

    Known gap, by construction: a word split by something cleaning deletes (``宝[哈哈]宝``); on the
    real posts in ../shared/data the gate and the cleaned prefilter agree on every post
    (``tests/nlp/test_classifier.py``).

    >>> gate = raw_gate(re.compile("宝宝|孩子"))
    >>> gate("我家寶寶"), gate("今天股市"), gate("孩\u200b子")
    (True, False, True)
    """
    if not prefilter.pattern or any(ch in prefilter.pattern for ch in "\\[](){}.*+?^$"):
        return None
    table = _fold_table()
    search = prefilter.search

    def passes(text: str) -> bool:
        return search(text.translate(table)) is not None

    return passes


# -- the local context of the segment's words ---------------------------------------------------

#: Where a clause ends: punctuation, a line break or a space (the person word must be in the clause).
_CLAUSE_END = re.compile(r"[，,。.！!？?；;：:、\s~～…]")
#: Person words, the nearest one before a match (in its clause) says whose the word is.
_PERSON = re.compile(
    r"(?P<first>我|咱|俺|自家|本人|老娘)"
    r"|(?P<second>你|您)"
    r"|(?P<third>他|她|它|朋友|同事|闺蜜|别人|人家|邻居|同学|亲戚|明星|爱豆|网友|博主|楼主|姐姐|哥哥|嫂子|表姐|表哥|堂姐|老师|大家)"
)
#: Spans a match may sit in: ``#topic#``, ``【…】``, ``《…》``, ``「…」``.
_ENCLOSED = re.compile(r"#[^#]{1,40}#|【[^】]{0,60}】|《[^》]{0,40}》|「[^」]{0,40}」")

#: The columns of :func:`local_context_matrix`, in order: whose the word is (the nearest person
#: word before some match in its clause: first, second, third person, none), a match in a
#: #topic# / 【】《》「」 span, a match outside any such span, a match that opens its clause, and
#: how many matches the post holds (one, two or three, more).
LOCAL_FEATURES = (
    "lc:person_first",
    "lc:person_second",
    "lc:person_third",
    "lc:person_none",
    "lc:enclosed",
    "lc:open",
    "lc:clause_start",
    "lc:matches_1",
    "lc:matches_2_3",
    "lc:matches_4",
)


def child_windows(own: list[str], pattern: re.Pattern[str], width: int) -> list[str]:
    r"""For each cleaned own text, the ``width`` characters either side of every match of
    ``pattern`` (the match included), windows joined by a line break ("" without a match).

    >>> child_windows(["今天陪我家闺女写作业到十点", "股市"], re.compile("闺女|作业"), 2)
    ['我家闺女写作\n女写作业到十', '']
    """
    out: list[str] = []
    for text in own:
        spans = [m.span() for m in pattern.finditer(text)] if text else []
        out.append("\n".join(text[max(0, s - width) : e + width] for s, e in spans))
    return out


def _person_before(text: str, start: int) -> int:
    """Column of :data:`LOCAL_FEATURES` for the nearest person word before ``start`` in its clause."""
    lo = start
    while lo > 0 and not _CLAUSE_END.match(text, lo - 1):
        lo -= 1
    last = None
    for m in _PERSON.finditer(text, lo, start):
        last = m
    if last is None:
        return 3
    return {"first": 0, "second": 1, "third": 2}[last.lastgroup or "third"]


def local_context_matrix(own: list[str], pattern: re.Pattern[str]) -> sp.csr_matrix:
    """0/1 columns :data:`LOCAL_FEATURES` of each cleaned own text, from the matches of
    ``pattern`` (the segment's ``[prefilter]``): deterministic, one regex pass per text.

    >>> m = local_context_matrix(["我家闺女会走路了", "#她的儿子#好帅", "股市"], re.compile("闺女|儿子"))
    >>> [[LOCAL_FEATURES[j] for j in m[i].indices] for i in range(3)]
    [['lc:person_first', 'lc:open', 'lc:matches_1'], ['lc:person_third', 'lc:enclosed', 'lc:matches_1'], []]
    """
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(own):
        spans = [m.span() for m in pattern.finditer(text)] if text else []
        if not spans:
            continue
        enclosed = [m.span() for m in _ENCLOSED.finditer(text)]
        hit: set[int] = set()
        for s, e in spans:
            hit.add(_person_before(text, s))
            inside = any(a <= s and e <= b for a, b in enclosed)
            hit.add(4 if inside else 5)
            if s == 0 or _CLAUSE_END.match(text, s - 1):
                hit.add(6)
        n = len(spans)
        hit.add(7 if n == 1 else 8 if n <= 3 else 9)
        cols.extend(sorted(hit))
        rows.extend([i] * len(hit))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(own), len(LOCAL_FEATURES)))
