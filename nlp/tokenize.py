"""jieba tokenising with per-segment user dictionaries, quiet and safe to pickle.

``tokenize`` is a plain module-level function (it pickles by reference, so it can be sent to
process pools and Dask workers); the ``jieba.Tokenizer`` objects, which do not pickle, live in a
per-process ``functools.lru_cache`` keyed by (dictionary file, modification time).

Dictionaries are files ``<data dir>/dict/<name>.txt`` in jieba's user-dictionary format
(``word [freq] [pos]`` per line; lines starting with ``#`` are comments). The data dir defaults
to ``<repo>/data``; change it for the whole process with :func:`set_data_dir` or per call
with ``data_dir=``.

Example:
    >>> tokenize("宝宝今天吃了辅食，还换了尿不湿！", "mothers")
    ['宝宝', '今天', '吃', '了', '辅食', '还换', '了', '尿不湿']
"""

from __future__ import annotations

import functools
import io
import logging
import re
from pathlib import Path

import jieba

__all__ = ["DEFAULT_DATA_DIR", "STOPWORDS", "dictionary_path", "set_data_dir", "tokenize"]

jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." noise on stderr

#: Default data folder: ``<repo>/data`` (holds ``dict/`` and ``segments/``).
DEFAULT_DATA_DIR: Path = Path(__file__).resolve().parents[1] / "data"
_data_dir: Path = DEFAULT_DATA_DIR

_DICT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
# A token is kept when it holds at least one letter, digit or CJK character.
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

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


def set_data_dir(path: str | Path | None) -> None:
    """Set the data folder (holding ``dict/``) for later calls in this process; ``None`` resets.

    Example:
        >>> set_data_dir(None)  # back to <repo>/data
    """
    global _data_dir
    _data_dir = DEFAULT_DATA_DIR if path is None else Path(path)


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
    base = Path(data_dir) if data_dir is not None else _data_dir
    path = base / "dict" / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(
            f"jieba user dictionary {name!r} not found: expected the file {path}; create it "
            f"(one 'word [freq] [pos]' per line) or fix the segment's 'dictionary' field"
        )
    return path


@functools.lru_cache(maxsize=16)
def _tokenizer(path: str | None, mtime_ns: int) -> jieba.Tokenizer:
    del mtime_ns  # part of the cache key only: an edited dictionary is reloaded
    tk = jieba.Tokenizer()
    tk.initialize()
    if path is not None:
        # jieba has no comment syntax: drop "#" lines, then hand the rest to load_userdict.
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        kept = "\n".join(ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
        tk.load_userdict(io.StringIO(kept))
    return tk


def _get_tokenizer(dictionary: str | None, data_dir: str | Path | None) -> jieba.Tokenizer:
    if dictionary is None:
        return _tokenizer(None, 0)
    path = dictionary_path(dictionary, data_dir)
    return _tokenizer(str(path.resolve()), path.stat().st_mtime_ns)


def tokenize(text: str, dictionary: str | None = None, *, data_dir: str | Path | None = None) -> list[str]:
    """Cut ``text`` into words with jieba (plus the user dictionary ``dictionary``, if given).

    Whitespace and punctuation tokens are dropped; ``None`` or ``""`` gives ``[]``. Feed it
    cleaned text (see ``nlp.clean.clean_weibo_text``). The function is picklable.

    Example:
        >>> tokenize("换了尿不湿 ！", "mothers")
        ['换', '了', '尿不湿']
    """
    if not text:
        return []
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str; got {type(text).__name__}")
    tk = _get_tokenizer(dictionary, data_dir)
    return [w for w in tk.lcut(text) if _WORDLIKE.search(w)]
