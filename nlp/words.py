"""Distinctive words of a segment's posts against all posts, for the segment report.

Words are counted per text (a word repeated in one post counts once, so one spammy post cannot
dominate) on the cleaned own text of each post, then ranked by the z-score of the log-odds ratio
with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"):

    a_w   = PRIOR * (y_all_w + 1) / (N_all + 1)        prior pseudo-count from the background
    d_w   = log((y_seg_w + a_w) / (N_seg - y_seg_w + PRIOR - a_w))
          - log((y_all_w + a_w) / (N_all - y_all_w + PRIOR - a_w))
    score = d_w / sqrt(1 / (y_seg_w + a_w) + 1 / (y_all_w + a_w))

where ``y`` counts the texts containing the word and ``N`` the texts. A high score means the word
is both frequent in the segment and more frequent there than in general.

Example:
    >>> seg = ["宝宝辅食南瓜泥", "宝宝夜奶好累", "宝宝辅食吃得好"] * 3
    >>> everyone = seg + ["今天天气好", "上班好累", "周末去看电影"] * 20
    >>> [w for w, _, _ in top_distinctive_words(seg, everyone, n=2, dictionary="mothers")]
    ['宝宝', '辅食']
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from nlp.clean import clean_own_text, clean_weibo_text
from nlp.tokenize import STOPWORDS, tokenize

__all__ = [
    "TEXT_SAMPLE",
    "sample_positions",
    "sampled_top_words",
    "text_sample",
    "top_distinctive_words",
    "window_top_words",
]

_PRIOR = 100.0
_NUMBER = re.compile(r"^[0-9零〇一二三四五六七八九十百千万亿两几.,:%/+\-]+$")
_HAS_WORD_CHAR = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _keep(word: str) -> bool:
    return (
        len(word) >= 2
        and word not in STOPWORDS
        and not _NUMBER.match(word)
        and bool(_HAS_WORD_CHAR.search(word))
    )


@functools.lru_cache(maxsize=200_000)
def _text_words(text: str | None, dictionary: str | None, data_dir: Path | None) -> frozenset[str]:
    own = clean_own_text(text)
    return frozenset(w for w in tokenize(own, dictionary, data_dir=data_dir) if _keep(w.lower()))


def _doc_counts(
    texts: Iterable[str], dictionary: str | None, data_dir: Path | None
) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        counts.update(_text_words(text if isinstance(text, str) else None, dictionary, data_dir))
    return counts, n


def top_distinctive_words(
    segment_texts: Iterable[str],
    all_texts: Iterable[str],
    *,
    n: int = 30,
    dictionary: str | None = None,
    min_count: int = 3,
    data_dir: Path | None = None,
) -> list[tuple[str, int, float]]:
    """The ``n`` words most typical of ``segment_texts`` compared with ``all_texts``.

    Texts are raw posts (cleaned here: own text only). Stopwords, single characters and numbers
    are left out, and so are words found in fewer than ``min_count`` segment texts. Returns
    ``(word, count_in_segment, score)`` tuples, best first (ties: more frequent, then
    alphabetical), only words with a positive score. ``count_in_segment`` is the number of
    segment texts containing the word.

    Example:
        >>> top_distinctive_words([], ["随便"])
        []
    """
    for name, value, lo in (("n", n, 0), ("min_count", min_count, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise ValueError(f"{name} must be a whole number >= {lo}; got {value!r}")
    if isinstance(segment_texts, str) or isinstance(all_texts, str):
        raise TypeError("segment_texts and all_texts must be iterables of texts, not one string")
    seg_counts, n_seg = _doc_counts(segment_texts, dictionary, data_dir)
    all_counts, n_all = _doc_counts(all_texts, dictionary, data_dir)
    if n == 0 or n_seg == 0 or not seg_counts:
        return []
    # A word of the segment missing from "all" (disjoint inputs) still gets a sane background.
    n_all = max(n_all, 1)
    ranked = []
    for word, y_s in seg_counts.items():
        if y_s < min_count:
            continue
        y_a = all_counts.get(word, 0)
        a_w = _PRIOR * (y_a + 1) / (n_all + 1)
        d_seg = math.log((y_s + a_w) / max(n_seg - y_s + _PRIOR - a_w, 1e-9))
        d_all = math.log((y_a + a_w) / max(n_all - y_a + _PRIOR - a_w, 1e-9))
        z = (d_seg - d_all) / math.sqrt(1.0 / (y_s + a_w) + 1.0 / (y_a + a_w))
        if z > 0:
            ranked.append((word, y_s, z))
    ranked.sort(key=lambda t: (-t[2], -t[1], t[0]))
    return [(w, c, round(z, 6)) for w, c, z in ranked[:n]]


#: A window's top words come from at most this many member posts and this many window posts
#: (a seeded random sample above it): tokenising every post of a 1M-user window took minutes.
TEXT_SAMPLE = 20_000


def text_sample(posts: pd.DataFrame, cap: int = TEXT_SAMPLE) -> pd.DataFrame:
    """``posts`` as they are up to ``cap`` rows, else a seeded random ``cap`` of them, in order.

    >>> import pandas as pd
    >>> text_sample(pd.DataFrame({"text": list("abcde")}), cap=3).index.tolist()
    [0, 1, 2]
    """
    return posts if len(posts) <= cap else posts.sample(n=cap, random_state=0).sort_index()


def window_top_words(
    posts: pd.DataFrame,
    members: Iterable[str],
    *,
    n: int = 30,
    dictionary: str | None = None,
    cap: int = TEXT_SAMPLE,
    data_dir: Path | None = None,
) -> list[tuple[str, int, float]]:
    """The ``n`` words most typical of the ``members``' posts against the whole window's
    (``posts``: ``user_id``, ``text``), each side a :func:`text_sample` of at most ``cap`` posts,
    each post cleaned once (own text): :func:`top_distinctive_words` of the two.

    >>> import pandas as pd
    >>> window_top_words(pd.DataFrame({"user_id": ["a"], "text": ["宝宝"]}), ["a"])
    []
    """
    member_posts = text_sample(posts[posts["user_id"].isin(set(members))], cap)
    background = text_sample(posts, cap)
    return _top_words_of(
        member_posts["text"], background["text"], n=n, dictionary=dictionary, data_dir=data_dir
    )


def sample_positions(n_rows: int, cap: int = TEXT_SAMPLE) -> list[int]:
    """The positions (0-based, ascending) of the rows :func:`text_sample` keeps of ``n_rows``
    rows: which rows it keeps depends only on how many there are, so a caller can read the
    texts of these rows alone.

    >>> sample_positions(4, cap=5)
    [0, 1, 2, 3]
    >>> import pandas as pd
    >>> sample_positions(9, cap=3) == text_sample(pd.DataFrame({"t": range(9)}), cap=3).index.tolist()
    True
    """
    import pandas as pd

    return text_sample(pd.DataFrame(index=pd.RangeIndex(n_rows)), cap).index.tolist()


def sampled_top_words(
    member_texts: pd.DataFrame,
    window_texts: pd.DataFrame,
    *,
    n: int = 30,
    dictionary: str | None = None,
    data_dir: Path | None = None,
) -> list[tuple[str, int, float]]:
    """:func:`window_top_words` from the texts of its two samples alone (``post_id``, ``text``,
    each in window order): the members' posts at :func:`sample_positions` of their count, and
    the window's at :func:`sample_positions` of its count.

    >>> import pandas as pd
    >>> texts = pd.DataFrame({"post_id": ["p1"], "text": ["宝宝"]})
    >>> sampled_top_words(texts, texts)
    []
    """
    return _top_words_of(
        member_texts.set_index("post_id")["text"],
        window_texts.set_index("post_id")["text"],
        n=n,
        dictionary=dictionary,
        data_dir=data_dir,
    )


def _top_words_of(
    member_texts: pd.Series,
    background_texts: pd.Series,
    *,
    n: int,
    dictionary: str | None,
    data_dir: Path | None,
) -> list[tuple[str, int, float]]:
    """The top words of two samples of texts indexed by one key per post (a post in both
    samples is cleaned once)."""
    import pandas as pd

    own = pd.concat([member_texts, background_texts])
    own = own[~own.index.duplicated()]
    own = own.map(lambda t: clean_weibo_text(t).own_text)  # each post once, only the sampled ones
    return top_distinctive_words(
        own.loc[member_texts.index].tolist(),
        own.loc[background_texts.index].tolist(),
        n=n,
        dictionary=dictionary,
        data_dir=data_dir,
    )
