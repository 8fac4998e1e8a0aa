"""Rule-based post scores: a post's own words against a :class:`SegmentDefinition`'s lexicon.

:func:`score_post` cleans the text, keeps the author's own words (never the repost chain), adds the
weights of the distinct keywords and of the patterns that match (raw score, at least 0), squashes
it to ``score = 1 - exp(-raw / scale)``, and calls the post positive when ``raw >= threshold``. A
veto that matches makes the post non-positive with score 0, unless a pattern of a kind listed in
the veto's ``overridden_by`` also matched. The texts the first-person patterns (positive weight)
matched are kept apart (``PostScore.first_person``). :func:`confirming_words` keeps of them the ones
that stand in the author's own sentence about their own child: the user level reads those to
confirm a member.

Patterns and vetoes are searched only in texts holding one of their required characters
(:func:`_required_chars`, bit masks per character): the post model's signal features
(:mod:`nlp.features`) gate their regexes the same way.

Example:
    >>> from nlp.segments import load_segment
    >>> seg = load_segment("mothers")
    >>> score_post("我家宝宝8个月了，昨晚夜奶三次[泪]", seg).positive
    True
    >>> score_post("我家宝宝(一只布偶猫)今天打疫苗", seg).vetoes
    ('pet:布偶猫',)
"""

from __future__ import annotations

import importlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from nlp.clean import clean_own_text
from nlp.segments import SegmentDefinition, cached_per_segment
from nlp.tokenize import tokenize

__all__ = ["PostScore", "confirming_words", "score_own_text", "score_post", "topic_weight"]

_EPS = 1e-9


@dataclass(frozen=True)
class PostScore:
    """The score of one post's own text.

    Attributes:
        score: squashed score in [0, 1] (0 when vetoed).
        hits: keywords and matched pattern texts, in order found (penalties prefixed "-").
        vetoes: ``"category:matched words"`` for each veto category that held.
        positive: raw score reached the segment's threshold and no veto held.
        first_person: the texts matched by the segment's first-person patterns (``[[patterns]]``
            of positive weight), in segment order.
        matched: bit ``i`` set for each of the segment's ``[[patterns]]`` that matched the own
            text (None: not recorded); not compared, not shown. :func:`confirming_words` reads it.
    """

    score: float
    hits: tuple[str, ...]
    vetoes: tuple[str, ...]
    positive: bool
    first_person: tuple[str, ...] = ()
    matched: int | None = field(default=None, compare=False, repr=False)


_EMPTY = PostScore(0.0, (), (), False)


def _trie_regex(words: list[str]) -> re.Pattern[str] | None:
    """One regex matching any of ``words``, preferring the longest at each position."""
    if not words:
        return None
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            body = f"(?:{body})?"
        return body

    return re.compile(emit(trie))


# What a case-insensitive regex's ASCII letter matches beside its two cases (``re`` folds case by
# Unicode's simple mappings: the dotted and dotless i, the long s and the Kelvin sign);
# tests/nlp/test_tagger.py checks every ASCII letter against ``re`` over all code points.
_CASE_EXTRA = {"i": "İı", "s": "ſ", "k": "\u212a"}


# Characters without case, that a case-insensitive regex matches only as themselves: Latin-1
# signs (not the micro sign), CJK punctuation and ideographs, full-width signs (checked by
# tests/nlp/test_tagger.py against ``re``).
_UNCASED_RANGES = (
    (0xA1, 0xB4),
    (0xB6, 0xBF),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF20),
    (0xFFE0, 0xFFEE),
)


def _case_variants(ch: str) -> frozenset[str] | None:
    """The characters a case-insensitive regex's literal ``ch`` matches; None when unknown (a cased
    character beyond ASCII). Characters without case (CJK, digits, punctuation) match only
    themselves."""
    if ch.isascii():
        low = ch.lower()
        if not low.isalpha():
            return frozenset(ch)
        return frozenset(low + low.upper() + _CASE_EXTRA.get(low, ""))
    if any(lo <= ord(ch) <= hi for lo, hi in _UNCASED_RANGES):
        return frozenset(ch)
    return None


def _required_chars(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Characters of which every match of ``regex`` holds at least one; None if unknown.

    A text without any of them cannot match, so the search can be skipped (most posts match no
    pattern, and a set intersection is far cheaper than a regex scan). Reads the pattern with the
    standard library's regex parser; anything unexpected gives None, i.e. always search. Under
    ``(?i)`` a letter stands for every character it matches (:func:`_case_variants`).
    """
    try:
        # the standard library's private parser has no type information: its values are Any
        c: Any = importlib.import_module("re._constants")
        parser: Any = importlib.import_module("re._parser")

        def seq(items: list[Any], fold: bool) -> frozenset[str] | None:
            for op, av in items:  # every item of a sequence is required: the first known one will do
                found = item(op, av, fold)
                if found is not None:
                    return found
            return None

        def literal(code: int, fold: bool) -> frozenset[str] | None:
            return _case_variants(chr(code)) if fold else frozenset(chr(code))

        def item(op: Any, av: Any, fold: bool) -> frozenset[str] | None:
            if op is c.LITERAL:
                return literal(av, fold)
            if op is c.IN:
                if all(o is c.LITERAL for o, _ in av):
                    chars: set[str] = set()
                    for _, a in av:
                        one = literal(a, fold)
                        if one is None:
                            return None
                        chars |= one
                    return frozenset(chars)
                return None
            if op is c.SUBPATTERN:
                _group, add_flags, del_flags, sub = av
                inner = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
                return seq(list(sub), inner)
            if op is c.ATOMIC_GROUP:
                return seq(list(av), fold)
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                low, _high, sub = av
                return seq(list(sub), fold) if low >= 1 else None
            if op is c.BRANCH:
                sets = [seq(list(branch), fold) for branch in av[1]]
                known = [x for x in sets if x is not None]
                if len(known) < len(sets):
                    return None
                return frozenset[str]().union(*known)
            return None  # anchors, look-arounds, classes like \d or ., back-references

        parsed = parser.parse(regex.pattern, regex.flags)
        return seq(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    except Exception:  # private parser API changed: fall back to always searching
        return None


@dataclass(frozen=True)
class _Compiled:
    substring_re: re.Pattern[str] | None
    substring_weights: dict[str, float]
    token_gate_re: re.Pattern[str] | None
    token_weights: dict[str, float]
    pattern_gates: tuple[frozenset[str] | None, ...]  # then the vetoes' gates
    gate_re: re.Pattern[str] | None  # any character of any pattern's or veto's gate
    # gate character -> bit i set for each pattern i it opens (bit len(patterns) + j: veto j)
    gate_masks: dict[str, int]
    ungated_mask: int  # bit set for each pattern or veto without a gate (always searched)


def _gate_masks(
    gates: tuple[frozenset[str] | None, ...],
) -> tuple[re.Pattern[str] | None, dict[str, int], int]:
    """What :func:`score_own_text` needs to find the patterns a text can match in one regex scan:
    (a character class of every gate character, {character: bit mask of the patterns whose gate
    holds it}, bit mask of the patterns without a gate)."""
    masks: dict[str, int] = {}
    ungated = 0
    for i, gate in enumerate(gates):
        if gate is None:
            ungated |= 1 << i
            continue
        for ch in gate:
            masks[ch] = masks.get(ch, 0) | 1 << i
    regex = re.compile("[" + "".join(map(re.escape, sorted(masks))) + "]") if masks else None
    return regex, masks, ungated


# Compiled keyword matchers per segment object. Keyed by id() (hashing a whole definition on
# every post would cost more than scoring it); the entry keeps the segment alive, so the id
# cannot be reused while the entry exists.
@cached_per_segment
def _compile(segment: SegmentDefinition) -> _Compiled:
    sub = {k.word: k.weight for k in segment.keywords if not k.token_only}
    tok = {k.word: k.weight for k in segment.keywords if k.token_only}
    regexes = [p.regex for p in segment.patterns] + [v.regex for v in segment.vetoes]
    gates = tuple(map(_required_chars, regexes))
    return _Compiled(_trie_regex(list(sub)), sub, _trie_regex(list(tok)), tok, gates, *_gate_masks(gates))


def _keyword_weights(own_text: str, segment: SegmentDefinition, comp: _Compiled) -> dict[str, float]:
    """The segment's keywords in ``own_text``, each once, with its weight (substring keywords,
    then tokenised ones)."""
    weights: dict[str, float] = {}
    if comp.substring_re is not None:
        for m in comp.substring_re.finditer(own_text):
            word = m.group()
            if word and word not in weights:
                weights[word] = comp.substring_weights[word]
    if comp.token_gate_re is not None and comp.token_gate_re.search(own_text):
        tokens = set(tokenize(own_text, segment.dictionary, data_dir=segment.data_dir))
        for word, weight in comp.token_weights.items():
            if word in tokens and word not in weights:
                weights[word] = weight
    return weights


def topic_weight(own_text: str, segment: SegmentDefinition) -> float:
    """How much a text is about the segment: the sum of the weights of the distinct keywords with
    a positive weight in ``own_text`` (already cleaned), whoever speaks; patterns and vetoes are
    ignored. It is what a segment's ``[context]`` rule compares with ``min_topic``.

    Example:
        >>> from nlp.segments import load_segment
        >>> topic_weight("奶粉之后, 下一个限购会是尿不湿吗? 香港", load_segment("mothers"))
        2.2
    """
    if not own_text:
        return 0.0
    weights = _keyword_weights(own_text, segment, _compile(segment))
    return round(sum(w for w in weights.values() if w > 0), 9)


def score_own_text(
    own_text: str,
    segment: SegmentDefinition,
    context_topic: float | None = None,
) -> PostScore:
    """Score text that is already cleaned own text (see :func:`score_post`).

    ``context_topic``: :func:`topic_weight` of the post this one reposts or replies to, when
    known; the segment's ``[context]`` rule (if any) uses it.

    Example:
        >>> from nlp.segments import load_segment
        >>> score_own_text("孕32周，胎动好厉害", load_segment("mothers")).hits
        ('胎动', '孕32周')
    """
    if not own_text:
        return _EMPTY
    comp = _compile(segment)
    weights = _keyword_weights(own_text, segment, comp)
    hits = list(weights)
    raw = sum(weights.values())
    kinds: set[str] = set()
    first_person: list[str] = []
    # the patterns and vetoes whose gate (characters every match holds) is in the text
    gated = comp.ungated_mask
    if comp.gate_re is not None:
        masks = comp.gate_masks
        for ch in set(comp.gate_re.findall(own_text)):
            gated |= masks[ch]
    patterns = segment.patterns
    todo = gated & ((1 << len(patterns)) - 1)  # the patterns first, in segment order
    matched = 0
    while todo:
        low = todo & -todo
        todo ^= low
        pattern = patterns[low.bit_length() - 1]
        m = pattern.regex.search(own_text)
        if m is None:
            continue
        matched |= low
        raw += pattern.weight
        text = m.group().strip() or pattern.label
        if pattern.weight > 0:
            kinds.add(pattern.kind)
            hits.append(text)
            first_person.append(text)
        else:
            hits.append(f"-{text}")
    rule = segment.context
    if (
        context_topic is not None
        and rule is not None
        and context_topic >= rule.min_topic - _EPS
        and len(own_text) <= rule.max_chars
    ):
        m = rule.regex.search(own_text)
        if m is not None:
            raw += rule.weight
            hits.append(f"{rule.label}: {m.group().strip()}")
    if not hits:
        return _EMPTY
    raw = max(0.0, round(raw, 9))
    vetoes: dict[str, str] = {}  # first holding veto of each category
    if raw > 0:
        todo = gated >> len(patterns)  # the vetoes that can hold, in segment order
        vetoes_all = segment.vetoes
        while todo:
            low = todo & -todo
            todo ^= low
            veto = vetoes_all[low.bit_length() - 1]
            if veto.category in vetoes:
                continue  # the first holding veto of its category is shown
            m = veto.regex.search(own_text)
            if m is not None and not (veto.overridden_by & kinds):
                vetoes.setdefault(veto.category, f"{veto.category}:{m.group()}")
    hits_t = tuple(dict.fromkeys(hits))
    if vetoes:
        return PostScore(0.0, hits_t, tuple(vetoes.values()), False, matched=matched)
    score = 1.0 - math.exp(-raw / segment.scale)
    positive = raw >= segment.threshold - _EPS
    return PostScore(score, hits_t, (), positive, tuple(dict.fromkeys(first_person)), matched)


def score_post(text: str | None, segment: SegmentDefinition, context: str | None = None) -> PostScore:
    """Clean a raw Weibo post and score its OWN text (the repost chain never counts).

    ``context``: the raw text of the post it reposts or replies to, when known (used by the
    segment's ``[context]`` rule: a short first-person reply under a post about babies).

    Example:
        >>> from nlp.segments import load_segment
        >>> seg = load_segment("mothers")
        >>> score_post("转发微博//@某妈妈:我家宝宝会翻身了", seg).positive
        False
        >>> score_post("哥哥的舞台太棒了，我儿子最帅", seg).vetoes
        ('idol_fan:舞台',)
    """
    if not isinstance(segment, SegmentDefinition):
        raise TypeError(
            "score_post expects a SegmentDefinition (use nlp.segments.load_segment(name)); "
            f"got {type(segment).__name__}"
        )
    topic = None
    if context is not None and segment.context is not None:
        topic = topic_weight(clean_own_text(context), segment)
    return score_own_text(clean_own_text(text), segment, topic)


# What confirms a member is the author's own sentence about their own child (issue 16). Measured on
# the labelled users and the gold posts (bench/RESULTS.md, "Own sentences, not quoted titles"): the
# false seeds had their first-person words in a topic title, a shared news item, a generic
# statement (有人带娃, 当妈的人), someone else's child (一个姐姐…预产期) or a child to come (以后…).
#: Not the author's own sentence: a topic title ``#…#`` longer than a diary tag (#带娃日常# is one),
#: a 【headline】, a 《title》, the "<name>的微博视频" label of a video.
_QUOTED = re.compile(
    r"#([^#\n]{1,80})#|【[^】\n]{0,120}】|《[^》\n]{0,60}》|\S{0,30}的(?:微博|秒拍|美拍)视频"
)
_DIARY_TAG_CHARS = 6
#: A shared item (the share button's "来自@…", "分享自…", a post that opens on a 【headline】).
_SHARED = re.compile(r"来自\s?@|分享自|^\s*【")
_CHAIN_START = re.compile(r"//\s*@")
_LEADING = ",.!?。;:、~，！？；： \t\n"
_SENTENCE_END = re.compile(r"[。！？!?；;\n…]+|\.{3,}|\s{2,}")
_CLAUSE_END = re.compile(r"[，,、。！？!?；;:：\n…~]+|\.{3,}|\s+")
#: Others' children or people in general, before the words in their sentence.
_OTHERS = re.compile(
    r"谁家|别人|人家|有人|(?:一|这|那)(?:个|位|名)(?:姐姐|妹妹|朋友|同事|妈妈|宝妈|母亲|女子|妇女|女士|男子|网友|明星)"
    r"|专家|国家|社会|提倡|男人|女人|女性|男性|明星"
)
#: A hypothetical or a child to come, before the words in their clause.
_HYPOTHETICAL = re.compile(r"如果|要是|假如|万一|将来|以后|未来的|不敢|不想|不愿|不生")


def _unquoted(match: re.Match[str]) -> str:
    tag = match.group(1)
    if tag is not None and len(tag.strip()) <= _DIARY_TAG_CHARS:
        return match.group()  # a diary tag the author chose (#带娃日常#) is their own words
    return " "


def _last_end(pattern: re.Pattern[str], text: str, before: int) -> int:
    end = 0
    for m in pattern.finditer(text, 0, before):
        end = m.end()
    return end


def confirming_words(
    text: str | None, segment: SegmentDefinition, own_text: str | None = None, matched: int | None = None
) -> tuple[str, ...]:
    """The first-person words of a raw post that confirm its author speaks of their own child.

    A match of one of the segment's first-person ``[[patterns]]`` (positive weight) confirms
    when it stands in the author's own words: not in a quoted title (a ``#topic#`` longer than a
    diary tag, 【…】, 《…》, a video's label), not in a shared item (来自@…, 分享自, a post that
    opens on a 【headline】), not after others or people in general in its sentence (有人带娃,
    一个姐姐…预产期, 国家提倡…), not after a hypothetical in its clause (以后我儿子, 如果…), and not
    the generic "当妈的人". Returns the matched texts in segment order, () when none.
    ``own_text``: :func:`nlp.clean.clean_own_text` of ``text`` when the caller has it (the
    tagger does): a text without a chain or titles is then not cleaned again, and
    with ``matched`` (:attr:`PostScore.matched` of :func:`score_own_text` of ``own_text``) only
    the patterns that matched it are searched again.

    Example:
        >>> from nlp.segments import load_segment
        >>> seg = load_segment("mothers")
        >>> confirming_words("我家宝宝8个月了，昨晚夜奶三次[泪]", seg)
        ('我家宝宝', '宝宝8个月')
        >>> confirming_words("#多地部署全面了解育龄妇女及生育意愿#家里有房，有钱，有人带娃，为啥不生？", seg)
        ()
        >>> confirming_words("#带娃日常#两小只半夜蹦迪", seg)
        ('带娃',)
    """
    if not isinstance(text, str) or not text:
        return ()
    folded = raw = unicodedata.normalize("NFKC", text)
    chain = _CHAIN_START.search(raw)
    if chain is not None:
        raw = raw[: chain.start()]
    if _SHARED.search(raw):
        return ()
    unquoted = _QUOTED.sub(_unquoted, raw)
    # nothing cut or blanked: the text read is ``text`` NFKC-folded, whose clean own text is
    # ``text``'s (clean_own_text folds first, and folding twice is folding once)
    given = own_text is not None and unquoted == folded
    own = own_text if given and own_text is not None else clean_own_text(unquoted)
    words: list[str] = []
    if given and matched is not None:
        gated = matched  # the patterns that matched this very text when it was scored
    else:
        # only the patterns whose gate (characters every match holds) is in the text can match
        comp = _compile(segment)
        gated = comp.ungated_mask
        if comp.gate_re is not None:
            masks = comp.gate_masks
            for ch in set(comp.gate_re.findall(own)):
                gated |= masks[ch]
    for i, pattern in enumerate(segment.patterns):
        if pattern.weight <= 0 or not gated >> i & 1:
            continue
        for m in pattern.regex.finditer(own):
            start = m.end() - len(m.group().lstrip(_LEADING))  # a pattern may open on a comma
            if (
                _OTHERS.search(own, _last_end(_SENTENCE_END, own, start), start)
                or _HYPOTHETICAL.search(own, _last_end(_CLAUSE_END, own, start), start)
                or m.group().endswith("的人")
            ):
                continue
            words.append(m.group().strip() or pattern.label)
            break
    return tuple(dict.fromkeys(words))
