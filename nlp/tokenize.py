"""jieba-style tokenising with per-segment user dictionaries: fast (rjieba), quiet, safe to pickle.

Words are cut with `rjieba <https://pypi.org/project/rjieba/>`_, the Python binding of jieba-rs:
the same dictionary and algorithm as jieba 0.42 (DAG over the prefix dictionary, maximum-probability
path, HMM for unknown words), about ten times faster (``bench/bench_tokenize.py``).
``tests/nlp/test_tokenize.py`` keeps jieba as the reference and checks the two agree on real posts.

``tokenize`` is a plain module-level function (it pickles by reference, so it can be sent to
process pools and Dask workers); the ``rjieba.Jieba`` objects, which do not pickle, live in a
per-process ``functools.lru_cache`` keyed by (dictionary file, modification time), so an edited
dictionary is reloaded (the file is looked at again at most once a second). Each dictionary gets
its own ``rjieba.Jieba`` instance: rjieba's module-level ``add_word`` changes one global
dictionary, which would let one segment's words leak into another's cuts.

Dictionaries are files ``<data dir>/dict/<name>.txt`` in jieba's user-dictionary format
(``word [freq] [pos]`` per line; lines starting with ``#`` are comments). A missing frequency
means "just enough to keep the word whole" (jieba's ``suggest_freq``); ``0`` removes a word. The
data dir is ``data_dir=`` of each call (the caller's settings), ``<repo>/data`` when not given:
there is no process-wide folder to set.

Example:
    >>> tokenize("宝宝今天吃了辅食，还换了尿不湿！", "mothers")
    ['宝宝', '今天', '吃', '了', '辅食', '还换', '了', '尿不湿']
"""

from __future__ import annotations

import functools
import itertools
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rjieba

__all__ = [
    "DEFAULT_DATA_DIR",
    "STOPWORDS",
    "dictionary_path",
    "tokenize",
    "tokenize_codes",
]

#: Default data folder: ``<repo>/data`` (holds ``dict/`` and ``segments/``).
DEFAULT_DATA_DIR: Path = Path(__file__).resolve().parents[1] / "data"

_DICT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
# A token is kept when it holds at least one letter, digit or CJK character.
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# (dictionary name, data dir) -> (tokenizer, time.monotonic() of the last look at the file): saves
# resolving the path and reading its mtime on every call; bounded.
_RECENT: dict[tuple[str, str | Path], tuple[rjieba.Jieba, float]] = {}
_RECENT_MAX = 32
_RECHECK_SECONDS = 1.0
# One user-dictionary line, parsed the way jieba 0.42's load_userdict parses it: the word (which may
# hold spaces), then an optional frequency, then an optional part-of-speech tag.
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")

# Common Chinese function words (plus a few Weibo fillers) left out of word statistics.
_STOPWORDS_TEXT = """
    的 了 是 我 你 他 她 它 在 也 就 都 和 吗 啊 呢 吧 呀
    哦 哈 嗯 啦 嘛 哟 喔 噢 诶 哎 唉 么 之 与 及 而 或 并
    但 又 还 很 太 更 最 好 不 没 没有 有 个 这 那 这个 那个
    这些 那些 这样 那样 这么 那么 什么 怎么 为什么 怎样 哪 哪里
    哪个 谁 多少 几 我们 你们 他们 她们 它们 咱们 大家 自己 别人
    人家 一 一个 一些 一下 一点 一样 一直 一定 已经 正在 曾经
    就是 只是 还是 但是 可是 因为 所以 如果 虽然 然后 而且 不过
    或者 以及 对于 关于 把 被 让 给 从 向 往 对 跟 同 比 为
    为了 以 于 到 由 着 过 地 得 所 等 等等 能 会 要 想 可以
    可能 应该 需要 觉得 知道 看 说 去 来 做 上 下 里 中 后 前
    时 时候 现在 今天 明天 昨天 真的 真是 其实 还有 只有 就要
    不是 不要 不会 不能 这里 那里 这种 那种 这次 那次 哈哈 哈哈哈
    呵呵 嘿嘿 嘻嘻 转发 微博 转发微博 回复 分享 http https
    www com cn
"""
#: Common Chinese function words (plus a few Weibo fillers) left out of word statistics.
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())


def dictionary_path(name: str, data_dir: str | Path | None = None) -> Path:
    """Return ``<data dir>/dict/<name>.txt`` after checking the name and that the file exists.

    Example:
        >>> dictionary_path("mothers").name
        'mothers.txt'
    """
    if not isinstance(name, str) or not _DICT_NAME.match(name):
        raise ValueError(
            f"dictionary name must be letters, digits, '_' or '-' (the stem of a file in "
            f"data/dict/); got {name!r}"
        )
    base = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    path = base / "dict" / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(
            f"jieba user dictionary {name!r} not found: expected the file {path}; create it "
            f"(one 'word [freq] [pos]' per line) or fix the segment's 'dictionary' field"
        )
    return path


def _read_user_dictionary(path: Path) -> list[tuple[str, int | None, str | None]]:
    """``(word, freq or None, tag or None)`` for each entry of a jieba user dictionary file.

    Blank lines and lines starting with ``#`` are skipped; the rest is parsed like jieba's
    ``load_userdict`` (so the two tokenisers see the same entries).
    """
    entries = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"jieba user dictionary {path} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
            f"re-save it as UTF-8, one 'word [freq] [pos]' per line"
        ) from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _USERDICT_LINE.match(line)
        if m is None:  # pragma: no cover - the pattern matches any non-empty line
            continue
        word, freq, tag = m.groups()
        entries.append((word.strip(), int(freq) if freq else None, tag.strip() if tag else None))
    return entries


@functools.lru_cache(maxsize=8)
def _tokenizer(path: str | None, mtime_ns: int) -> rjieba.Jieba:
    """A fresh ``rjieba.Jieba`` (jieba's default dictionary) plus the user dictionary at ``path``."""
    del mtime_ns  # part of the cache key only: an edited dictionary is reloaded
    tk = rjieba.Jieba()  # its own dictionary, never rjieba's shared module-level one
    if path is not None:
        for word, freq, tag in _read_user_dictionary(Path(path)):
            tk.add_word(word, freq, tag)
    return tk


def _get_tokenizer(dictionary: str | None, data_dir: str | Path | None) -> rjieba.Jieba:
    if dictionary is None:
        return _tokenizer(None, 0)
    key = (dictionary, DEFAULT_DATA_DIR if data_dir is None else data_dir)
    now = time.monotonic()
    recent = _RECENT.get(key)
    if recent is not None and now - recent[1] < _RECHECK_SECONDS:
        return recent[0]
    path = dictionary_path(dictionary, data_dir)
    tk = _tokenizer(str(path.resolve()), path.stat().st_mtime_ns)
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    _RECENT[key] = (tk, now)
    return tk


def tokenize(text: str, dictionary: str | None = None, *, data_dir: str | Path | None = None) -> list[str]:
    """Cut ``text`` into words (jieba's algorithm via rjieba, plus the user dictionary ``dictionary``).

    Whitespace and punctuation tokens are dropped; ``None`` or ``""`` gives ``[]``. Feed it
    cleaned text (see ``nlp.clean.clean_weibo_text``). The function is picklable.

    Example:
        >>> tokenize("换了尿不湿 ！", "mothers")
        ['换', '了', '尿不湿']
        >>> tokenize("来一瓶娃哈哈")  # no user dictionary: jieba's own
        ['来', '一瓶', '娃哈哈']
    """
    if not text:
        return []
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str; got {type(text).__name__}")
    return list(filter(_WORDLIKE.search, _get_tokenizer(dictionary, data_dir).cut(text)))


def tokenize_codes(
    texts: list[str], dictionary: str | None = None, *, data_dir: str | Path | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The words of many texts as integer codes: ``(words, codes, counts)``.

    ``words`` are the distinct words, ``codes`` (int64) the words of all texts laid end to end
    (``words[c]`` for each code ``c``) and ``counts`` how many words each text has: the same
    words as ``[tokenize(t, dictionary) for t in texts]``, faster (each distinct token is tested
    for letters, digits or CJK once, not once per occurrence).

    Example:
        >>> words, codes, counts = tokenize_codes(["换了尿不湿 ！", "", "换了"], "mothers")
        >>> [words[c] for c in codes], counts.tolist()
        (['换', '了', '尿不湿', '换', '了'], [3, 0, 2])
    """
    for t in texts:
        if t and not isinstance(t, str):
            raise TypeError(f"tokenize expects a str; got {type(t).__name__}")
    cut = _get_tokenizer(dictionary, data_dir).cut
    pieces = [cut(t) if t else [] for t in texts]  # every token, punctuation and spaces included
    flat = np.empty(sum(map(len, pieces)), dtype=object)
    flat[:] = list(itertools.chain.from_iterable(pieces))
    sizes = np.fromiter(map(len, pieces), dtype=np.int64, count=len(texts))
    text_of = np.repeat(np.arange(len(texts)), sizes)
    del pieces
    codes, tokens = pd.factorize(flat)
    wordlike = np.fromiter((_WORDLIKE.search(t) is not None for t in tokens), dtype=bool, count=len(tokens))
    keep = wordlike[codes]
    renumber = np.cumsum(wordlike) - 1  # codes of the kept tokens, 0 .. number kept - 1
    words = [t for t, w in zip(tokens.tolist(), wordlike.tolist(), strict=True) if w]
    counts = np.bincount(text_of[keep], minlength=len(texts)).astype(np.int64)
    return words, renumber[codes[keep]].astype(np.int64), counts
