"""Weibo text cleaning: split off repost chains, strip URLs and emoji codes, keep mentions, topics.

Only the words before the first ``//@name:`` are the author's own; everything after is the repost
chain (the words of the people the author reposted). Taggers must score the own text only.

The own text is also folded to one script: NFKC (full-width → half-width), zero-width characters
removed, and traditional Chinese converted to simplified with OpenCC's ``t2s`` configuration (the
native ``opencc`` wheel), so "我們的寶寶" and "我们的宝宝" tag alike. Names and ids are left as
written: ``mentions``, the chain's names and ``topics`` are not converted.

Example:
    >>> c = clean_weibo_text("太好了[哈哈] #宝宝辅食# @小明 http://t.cn/abc //@小红:真的")
    >>> c.own_text, c.chain, c.mentions, c.topics
    ('太好了 宝宝辅食', (('小红', '真的'),), ('小明',), ('宝宝辅食',))
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import opencc

__all__ = [
    "NO_TEXT_MARKERS",
    "CleanedText",
    "clean_own_text",
    "clean_weibo_text",
    "extract_mentions",
    "split_repost_chain",
    "to_simplified",
]

#: Own texts that mean "no words of my own" (Weibo's default repost text), compared
#: case-insensitively after cleaning and with punctuation removed.
NO_TEXT_MARKERS: frozenset[str] = frozenset({"转发微博", "轉發微博", "repost", "转发", "轉發"})

# Characters a Weibo screen name may hold: CJK, Latin letters, digits, "_" and "-".
_NAME_CHARS = r"0-9A-Za-z_\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = rf"[{_NAME_CHARS}]{{2,30}}"

# Zero-width space/non-joiner/joiner, word joiner and BOM.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A repost-chain marker "//@" (also "// @"); the name runs to the colon ("//@name:" or "//@name :").
_CHAIN = re.compile(r"//\s*@")
_CHAIN_NAME = re.compile(r"([^:\s/@]{1,30})\s*:\s*")
_CHAIN_BARE_NAME = re.compile(rf"({_NAME})\s*")
# "回复@name:" (or traditional "回覆"/"回復") at the start of a comment-as-repost: a reply prefix,
# not the author's words.
_REPLY = re.compile(rf"^\s*回[复覆復]\s*@({_NAME})\s*:\s*")
_URL = re.compile(
    r"(?:https?://|www\.)[0-9A-Za-z\-._~:/?#@!$&'()*+,;=%]+"
    r"|(?<![0-9A-Za-z.])t\.cn/[0-9A-Za-z]+",
    re.IGNORECASE,
)
_EMOJI = re.compile(r"\[[^\[\]\s]{1,10}\]")
_TOPIC = re.compile(r"#([^#\n]{1,80})#")
_MENTION = re.compile(rf"(?<![0-9A-Za-z_.])@({_NAME})")
_SPACE = re.compile(r"\s+")
# Unpaired UTF-16 surrogates (they appear in strings decoded with errors="surrogateescape").
_SURROGATES = re.compile("([\ud800-\udfff]+)")
_WORD_CHAR = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PUNCT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class CleanedText:
    """A Weibo post split into the author's own words and the repost chain.

    Attributes:
        own_text: the author's own words, cleaned and in simplified Chinese ("" for reposts
            without words of their own).
        chain: ``(name, words)`` for each ``//@name:`` part, in order of appearance.
        mentions: ``@names`` in the own text (first occurrence order, no duplicates).
        topics: ``#topic#`` words in the own text (first occurrence order, no duplicates).
    """

    own_text: str
    chain: tuple[tuple[str, str], ...]
    mentions: tuple[str, ...]
    topics: tuple[str, ...]


# Full-width ASCII and the ideographic space, folded the way NFKC folds them; a cheap first pass
# that lets most Weibo texts skip the full (slower) NFKC normalisation.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Any character _FULL_WIDTH changes (most texts have none: one scan instead of a translate).
_ANY_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# The characters whose lower case holds "r", "转" or "轉" (see _marker_hints): every marker holds
# one of those, so a text without any of these cannot be a marker, and skips the marker test.
_MARKER_HINT = re.compile("[Rr转轉]")


def _marker_hints() -> str:
    """Every character whose lower case holds a character that each of :data:`NO_TEXT_MARKERS`
    holds one of ("r", "转" or "轉"): what ``_MARKER_HINT`` must match (checked here against
    this Python's Unicode database).

    Example:
        >>> _marker_hints() == "".join(sorted("Rr转轉"))
        True
        >>> all(set(m) & set("r转轉") for m in NO_TEXT_MARKERS)
        True
    """
    return "".join(c for c in map(chr, range(0x110000)) if set(c.lower()) & set("r转轉"))


def _normalise(text: str) -> str:
    """NFKC-fold ``text`` and remove zero-width characters."""
    if _ANY_FULL_WIDTH.search(text) is not None:
        text = text.translate(_FULL_WIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _ZERO_WIDTH.sub("", text)


@functools.cache
def _t2s() -> opencc.OpenCC:
    """The process's OpenCC traditional → simplified converter (built once, on first use)."""
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters and phrases in ``text`` to simplified (OpenCC ``t2s``).

    Simplified text, Latin letters, digits and punctuation pass through unchanged; OpenCC converts
    phrase by phrase, so words where a traditional form survives in simplified use stay (乾隆).

    Example:
        >>> to_simplified("我們的寶寶會走路了，乾隆 OK")
        '我们的宝宝会走路了，乾隆 OK'
    """
    if not isinstance(text, str):
        raise TypeError(f"to_simplified expects a str; got {type(text).__name__}")
    if text.isascii():
        return text
    try:
        return _t2s().convert(text)
    except UnicodeEncodeError:  # lone surrogates (broken input) cannot be UTF-8 encoded for OpenCC
        parts = _SURROGATES.split(text)
        return "".join(part if i % 2 else _t2s().convert(part) for i, part in enumerate(parts))


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _light_clean(text: str) -> str:
    """Strip URLs and emoji codes, drop topic # marks, collapse whitespace."""
    text = _URL.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _TOPIC.sub(lambda m: f" {m.group(1).strip()} ", text)
    return _SPACE.sub(" ", text).strip()


def split_repost_chain(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split a post into (own part, chain of (name, words)) at ``//@name:`` markers.

    The text is NFKC-folded (so a full-width colon "：" counts) and zero-width characters removed;
    the own part is returned stripped but otherwise as written, the chain words lightly cleaned
    (URLs, emoji codes and # marks removed).

    Example:
        >>> split_repost_chain("太好了//@小明:哈哈//@小红 ：真的")
        ('太好了', (('小明', '哈哈'), ('小红', '真的')))
    """
    if not isinstance(text, str):
        raise TypeError(f"split_repost_chain expects a str; got {type(text).__name__}")
    text = _normalise(text)
    marks = list(_CHAIN.finditer(text))
    if not marks:
        return text.strip(), ()
    own = text[: marks[0].start()].strip()
    chain = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        part = text[m.end() : end]
        name = _CHAIN_NAME.match(part) or _CHAIN_BARE_NAME.match(part)
        if name:
            chain.append((name.group(1), _light_clean(part[name.end() :])))
        else:
            chain.append(("", _light_clean(part)))
    return own, tuple(chain)


def extract_mentions(text: str) -> tuple[str, ...]:
    """Return the ``@names`` in ``text`` in order of first appearance, without duplicates.

    A name is 2–30 characters of CJK, Latin letters, digits, ``_`` and ``-``; an ``@`` right after a
    letter or digit (an e-mail address) is not a mention.

    Example:
        >>> extract_mentions("谢谢@小明 和 @Lily_2012，邮件 a@b.com")
        ('小明', 'Lily_2012')
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_mentions expects a str; got {type(text).__name__}")
    return _dedupe(_MENTION.findall(_normalise(text)))


def _clean_own(own: str, mentions: list[str], topics: list[str]) -> str:
    """Clean an already normalised own part; append its mentions and topics to the lists."""
    reply = _REPLY.match(own)
    if reply:
        mentions.append(reply.group(1))
        own = own[reply.end() :]
    if "http" in own or "www." in own or "t.cn" in own:
        own = _URL.sub(" ", own)
    if "[" in own:
        own = _EMOJI.sub(" ", own)
    if "#" in own:
        topics.extend(t.strip() for t in _TOPIC.findall(own) if t.strip())
        own = _TOPIC.sub(lambda m: f" {m.group(1).strip()} ", own)
    if "@" in own:
        mentions.extend(_MENTION.findall(own))
        own = _MENTION.sub(" ", own)
        if "//@" in own:  # cannot normally happen; a guard for texts re-joined by the removals
            own = own.split("//@", 1)[0]
    own = _SPACE.sub(" ", own).strip()
    if not _WORD_CHAR.search(own) or (
        _MARKER_HINT.search(own) is not None and _PUNCT.sub("", own).lower() in NO_TEXT_MARKERS
    ):
        return ""
    return to_simplified(own)


def clean_own_text(text: str | None) -> str:
    """Just ``clean_weibo_text(text).own_text``, faster (the repost chain is not parsed).

    Example:
        >>> clean_own_text("哈哈[耶] @小明 //@小红:我家宝宝会走路了")
        '哈哈'
        >>> clean_own_text("回覆@小明:我家寶寶會走路了")
        '我家宝宝会走路了'
    """
    if text is None or not isinstance(text, str):
        return ""
    text = _normalise(text)
    first = _CHAIN.search(text)
    if first is not None:
        text = text[: first.start()]
    return _clean_own(text.strip(), [], [])


def clean_weibo_text(text: str | None) -> CleanedText:
    """Clean one Weibo post: own words only, without URLs, emoji codes, mentions and # marks.

    Steps: NFKC fold (full-width → half-width), remove zero-width characters, split off the
    ``//@`` repost chain and a leading ``回复@name:``, strip URLs and ``[emoji]`` codes, keep
    ``#topic#`` words without the # marks, remove ``@name`` mentions (recorded in ``mentions``),
    collapse whitespace, convert traditional Chinese to simplified (:func:`to_simplified`).
    "转发微博" / "Repost" / "轉發微博" and texts without any letter, digit or CJK character become
    ``""``. Only ``own_text`` is converted to simplified: ``chain``, ``mentions`` and ``topics`` keep
    the names and words as written (they identify people and hashtags). Never raises on a string
    or ``None``.

    Example:
        >>> clean_weibo_text("转发微博//@小红:我家宝宝会走路了").own_text
        ''
        >>> clean_weibo_text("＃辅食＃　南瓜泥[嘻嘻]\u200b").own_text
        '辅食 南瓜泥'
        >>> c = clean_weibo_text("@張媽媽 #育兒# 寶寶長牙了")
        >>> c.own_text, c.mentions, c.topics
        ('育儿 宝宝长牙了', ('張媽媽',), ('育兒',))
    """
    if text is None or not isinstance(text, str):
        return CleanedText("", (), (), ())
    own, chain = split_repost_chain(text)
    mentions: list[str] = []
    topics: list[str] = []
    own = _clean_own(own, mentions, topics)
    return CleanedText(own, chain, _dedupe(mentions), _dedupe(topics))
