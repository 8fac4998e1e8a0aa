"""Segment definitions: data files ``data/segments/<name>.toml`` read into frozen dataclasses.

An analyst adds a segment by dropping a new TOML file next to ``mothers.toml`` (which documents
every field in comments); no code changes. Every problem in a file is reported as a
:class:`SegmentDefinitionError` naming the file, the field, what was expected and what was found.

Example:
    >>> seg = load_segment("mothers")
    >>> seg.name, seg.max_chance > 0
    ('mothers', True)
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = [
    "DEFAULT_SEGMENTS_DIR",
    "MODEL_KEYS",
    "POST_SCORERS",
    "PROFILE_FIELDS",
    "ContextRule",
    "Keyword",
    "Pattern",
    "ProfilePattern",
    "SegmentDefinition",
    "SegmentDefinitionError",
    "Veto",
    "cached_per_segment",
    "list_segments",
    "load_segment",
    "load_segment_file",
]

#: Default folder of segment files: ``<repo>/data/segments``.
DEFAULT_SEGMENTS_DIR: Path = Path(__file__).resolve().parents[1] / "data" / "segments"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
_MAX_WEIGHT = 10.0


class SegmentDefinitionError(ValueError):
    """A segment file is missing, unreadable or holds a field with a wrong value."""


@dataclass(frozen=True)
class Keyword:
    """A word that adds ``weight`` points once per post.

    ``token_only`` words count only as a whole jieba token (single characters always do);
    others also count as a substring, in case jieba splits them.
    """

    word: str
    weight: float
    token_only: bool = False


@dataclass(frozen=True)
class Pattern:
    """A regular expression that adds ``weight`` points once per post (negative: a penalty).

    ``kind`` groups patterns (e.g. "pregnancy"); vetoes name the kinds that override them.
    """

    kind: str
    regex: re.Pattern[str]
    weight: float
    label: str


@dataclass(frozen=True)
class Veto:
    """A regular expression that makes a post non-positive (score 0) when it matches.

    The veto is lifted when a pattern of one of the kinds in ``overridden_by`` also matches.
    """

    category: str
    regex: re.Pattern[str]
    reason: str
    overridden_by: frozenset[str]


@dataclass(frozen=True)
class ProfilePattern:
    """A regular expression over one profile field (``screen_name`` or ``bio``) that says the person
    is in the segment, ``weight`` in (0, 1] saying how clearly (1: beyond doubt, "两个娃的妈";
    lower: also said by others, "豆豆妈" may be a dog's owner). Profile evidence is kept apart from
    post evidence: it admits a member alone only at ``SegmentDefinition.profile_admits`` or above.
    """

    field: str
    regex: re.Pattern[str]
    weight: float
    label: str


#: Profile fields a :class:`ProfilePattern` can read.
PROFILE_FIELDS = ("screen_name", "bio")


@dataclass(frozen=True)
class ContextRule:
    """Points for a reply or repost read with the post it answers (its *context*).

    A post whose own text matches ``regex`` (e.g. the author speaks in the first person) and has at
    most ``max_chars`` characters, answering a post whose keywords weigh at least ``min_topic``
    (the sum of the weights of the distinct segment keywords in the context's own text, whoever
    wrote it), gets ``weight`` points. Vetoes still apply; no veto is lifted by it.
    """

    regex: re.Pattern[str]
    min_topic: float
    max_chars: int
    weight: float
    label: str


@dataclass(frozen=True)
class SegmentDefinition:
    """One target audience: lexicon, first-person patterns, vetoes, post and user thresholds.

    A post's raw score is the sum of the weights of its distinct keyword and pattern hits
    (at least 0); its score is ``1 - exp(-raw / scale)``; it is positive when ``raw >= threshold``
    and no veto holds. A user is a member when their positive posts are more than chance would
    give: the chance that a non-member's ``n`` posts hold that many false positives, each with
    probability ``chance_rate`` (or the post model's measured rate), is at most ``max_chance``;
    or when their profile says so clearly (``profile_admits``); or with a positive post and a
    profile signal together (see :mod:`nlp.tagger`).
    """

    name: str
    description: str
    dictionary: str | None
    keywords: tuple[Keyword, ...]
    patterns: tuple[Pattern, ...]
    vetoes: tuple[Veto, ...]
    threshold: float
    scale: float
    source: str = ""
    #: per-post false-positive rate of the rules, for the chance test (a post model brings its own)
    chance_rate: float = 0.02
    #: a user's positive posts admit them when chance alone would give as many at most this often
    max_chance: float = 0.2
    #: ``[[profile]]``: screen-name and bio patterns (separate evidence from posts)
    profile: tuple[ProfilePattern, ...] = ()
    #: a profile signal at least this clear admits a member without any positive post
    profile_admits: float = 0.9
    #: "rules" (the lexicon) or "classifier" (data/models/<name>.joblib, trained by `make model`)
    post_scorer: str = "rules"
    #: points for a reply under an on-topic post, when the post's context is known (``[context]``)
    context: ContextRule | None = None
    #: ``[prefilter]``: a post whose own words do not match never reaches the post model (score 0)
    prefilter: re.Pattern[str] | None = None
    #: ``[features]``: named 0/1 signals the post model reads beside its n-grams, in file order
    features: tuple[tuple[str, re.Pattern[str]], ...] = ()
    #: ``people = {zh = "妈妈", en = "mothers"}``: what the members are called, per language
    people: tuple[tuple[str, str], ...] = ()
    #: ``[model]``: settings of the post model that ``tajian train`` fits for this segment
    #: (:data:`MODEL_KEYS`: ``char_weight``, ``char_blend``, ``embedding_weight``, ``C`` of
    #: :class:`nlp.classifier.PostClassifier`), chosen on the training side; empty: the defaults
    model: tuple[tuple[str, float], ...] = ()

    def called(self, lang: str) -> str:
        """What the members are called in ``lang`` (``people``), else the segment's name."""
        return dict(self.people).get(lang) or self.name

    @property
    def keyword_weights(self) -> dict[str, float]:
        """``{word: weight}`` for all keywords."""
        return {k.word: k.weight for k in self.keywords}

    @property
    def data_dir(self) -> Path | None:
        """The data folder the segment's file is in (``<data>/segments/<name>.toml``): its
        ``dictionary`` is ``<data>/dict/<dictionary>.txt``. None for a segment not read from a file.
        Resolved once per file name and working folder (it is read for every post that is cut
        into words).

        Example:
            >>> load_segment("mothers").data_dir.name
            'data'
        """
        if not self.source:
            return None
        return _data_dir_of(self.source, "" if os.path.isabs(self.source) else os.getcwd())

    @property
    def min_positive_score(self) -> float:
        """The squashed score that ``threshold`` corresponds to."""
        return 1.0 - math.exp(-self.threshold / self.scale)


_T = TypeVar("_T")


class _PerSegment(Generic[_T]):
    """``build(segment)`` kept per segment object (see :func:`cached_per_segment`)."""

    def __init__(self, build: Callable[[SegmentDefinition], _T], maxsize: int) -> None:
        self.build, self.maxsize = build, maxsize
        #: ``{id(segment): (segment, value)}``: the entry keeps the segment alive, so its id is
        #: not reused while it is here
        self.cache: dict[int, tuple[SegmentDefinition, _T]] = {}
        functools.update_wrapper(self, build)

    def __call__(self, segment: SegmentDefinition) -> _T:
        entry = self.cache.get(id(segment))
        if entry is not None and entry[0] is segment:
            return entry[1]
        value = self.build(segment)
        if len(self.cache) >= self.maxsize:
            self.cache.clear()
        self.cache[id(segment)] = (segment, value)
        return value


def cached_per_segment(build: Callable[[SegmentDefinition], _T]) -> _PerSegment[_T]:
    """Decorator: what ``build(segment)`` derives from a segment (compiled regexes, gates) is
    computed once per segment object and kept (up to 64 segments), keyed by the object's
    identity: a segment is not hashed field by field on every post.

    Example:
        >>> @cached_per_segment
        ... def n_patterns(segment):
        ...     return len(segment.patterns)
        >>> seg = load_segment("mothers")
        >>> n_patterns(seg) == n_patterns(seg) == len(n_patterns.cache[id(seg)][0].patterns)
        True
    """
    return _PerSegment(build, maxsize=64)


@functools.lru_cache(maxsize=256)
def _data_dir_of(source: str, cwd: str) -> Path:
    """``<data>`` of a segment file ``<data>/segments/<name>.toml`` (``source``, relative to
    ``cwd`` when not absolute; ``cwd`` is "" for an absolute one), symbolic links resolved."""
    return (Path(cwd) / source).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# validation helpers


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, expected: str, got: Any) -> SegmentDefinitionError:
        return SegmentDefinitionError(f"{self.source}: field {field!r} must be {expected}; got {_show(got)}")

    def string(self, value: Any, field: str, *, empty_ok: bool = False) -> str:
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            raise self.fail(field, "a non-empty string", value)
        return value

    def number(self, value: Any, field: str, lo: float, hi: float, *, lo_open: bool = False) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok:
            ok = (lo < value if lo_open else lo <= value) and value <= hi
        if not ok:
            low = f"greater than {lo:g}" if lo_open else f"between {lo:g}"
            rng = f"{low} and at most {hi:g}" if lo_open else f"{low} and {hi:g}"
            raise self.fail(field, f"a number {rng}", value)
        return float(value)

    def integer(self, value: Any, field: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(field, f"a whole number between {lo} and {hi}", value)
        return int(value)

    def boolean(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, "true or false", value)
        return value

    def table(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, "a table", value)
        return value

    def regex(self, value: Any, field: str) -> re.Pattern[str]:
        text = self.string(value, field)
        try:
            compiled = re.compile(text)
        except re.error as exc:
            raise self.fail(field, f"a valid regular expression ({exc})", value) from None
        if compiled.search("") is not None:
            raise self.fail(field, "a regular expression that cannot match an empty text", value)
        return compiled

    def known_keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                raise SegmentDefinitionError(
                    f"{self.source}: unknown field {where + str(key)!r}; expected one of "
                    f"{', '.join(sorted(allowed))} (check the spelling)"
                )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


#: How a segment's posts are scored: its lexicon rules, or its trained classifier.
POST_SCORERS = ("rules", "classifier")

_TOP_KEYS = {
    "name",
    "description",
    "dictionary",
    "post_scorer",
    "threshold",
    "scale",
    "user",
    "keywords",
    "patterns",
    "vetoes",
    "context",
    "prefilter",
    "features",
    "profile",
    "people",
    "model",
}
#: ``[model]`` keys and their ranges: PostClassifier parameters a segment may set for tajian train
MODEL_KEYS = {
    "char_weight": (0.0, 100.0),
    "char_blend": (0.0, 10.0),
    "embedding_weight": (0.0, 100.0),
    "C": (0.0, 1000.0),
}
_PEOPLE_KEYS = {"zh", "en"}
_CONTEXT_KEYS = {"regex", "min_topic", "max_chars", "weight", "label"}
_USER_KEYS = {"chance_rate", "max_chance", "profile_admits"}
_RETIRED_USER_KEYS = {"min_positive_posts", "min_distinct_days", "min_share", "strong_post_score"}
_PROFILE_KEYS = {"field", "regex", "weight", "label"}
_PATTERN_KEYS = {"kind", "regex", "weight", "label"}
_VETO_KEYS = {"category", "regex", "reason", "overridden_by"}


def _parse(data: Mapping[str, Any], stem: str, c: _Checker) -> SegmentDefinition:
    c.known_keys(data, _TOP_KEYS, "")
    for required in ("name", "description", "threshold", "keywords"):
        if required not in data:
            raise c.fail(required, "present", "nothing (the field is missing)")
    name = c.string(data["name"], "name")
    if name != stem:
        raise c.fail("name", f"the file name without .toml ({stem!r})", name)
    description = c.string(data["description"], "description")
    dictionary = data.get("dictionary")
    if dictionary is not None:
        dictionary = c.string(dictionary, "dictionary")
        if not _NAME.match(dictionary):
            raise c.fail("dictionary", "a file stem in data/dict/ (letters, digits, _ or -)", dictionary)
    post_scorer = data.get("post_scorer", "rules")
    if post_scorer not in POST_SCORERS:
        raise c.fail("post_scorer", " or ".join(repr(x) for x in POST_SCORERS), post_scorer)
    threshold = c.number(data["threshold"], "threshold", 0.0, _MAX_WEIGHT, lo_open=True)
    scale = c.number(data.get("scale", threshold), "scale", 0.0, 100.0, lo_open=True)

    model = c.table(data.get("model", {}), "model")
    c.known_keys(model, set(MODEL_KEYS), "model.")
    model_params = tuple(
        (key, c.number(value, f"model.{key}", *MODEL_KEYS[key], lo_open=key in ("char_weight", "C")))
        for key, value in model.items()
    )
    user = c.table(data.get("user", {}), "user")
    retired = sorted(_RETIRED_USER_KEYS & set(user))
    if retired:
        raise SegmentDefinitionError(
            f"{c.source}: field 'user.{retired[0]}' is no longer read: a user is now a member when "
            "their positive posts are beyond chance (user.chance_rate, user.max_chance) or their "
            "profile says so (user.profile_admits); remove it (see the [user] comments in "
            "data/segments/mothers.toml)"
        )
    c.known_keys(user, _USER_KEYS, "user.")
    chance_rate = c.number(user.get("chance_rate", 0.02), "user.chance_rate", 0.0, 1.0, lo_open=True)
    if chance_rate >= 1:
        raise c.fail("user.chance_rate", "a number > 0 and < 1", chance_rate)
    max_chance = c.number(user.get("max_chance", 0.2), "user.max_chance", 0.0, 1.0, lo_open=True)
    profile_admits = c.number(user.get("profile_admits", 0.9), "user.profile_admits", 0.0, 1.0, lo_open=True)
    profile = _profile_patterns(data.get("profile", []), c)

    keywords = []
    kw_table = c.table(data["keywords"], "keywords")
    if not kw_table:
        raise c.fail("keywords", "a table with at least one word = weight", dict(kw_table))
    for word, spec in kw_table.items():
        field = f"keywords.{word}"
        if not word.strip() or word != word.strip():
            raise c.fail(field, "a word without surrounding spaces", word)
        if isinstance(spec, Mapping):
            c.known_keys(spec, {"weight", "token_only"}, f"{field}.")
            if "weight" not in spec:
                raise c.fail(f"{field}.weight", "present", "nothing (the field is missing)")
            weight = c.number(spec["weight"], f"{field}.weight", -_MAX_WEIGHT, _MAX_WEIGHT)
            token_only = c.boolean(spec.get("token_only", False), f"{field}.token_only")
        else:
            weight = c.number(spec, field, -_MAX_WEIGHT, _MAX_WEIGHT)
            token_only = False
        keywords.append(Keyword(word, weight, token_only or len(word) == 1))

    patterns = []
    raw_patterns = data.get("patterns", [])
    if not isinstance(raw_patterns, list):
        raise c.fail("patterns", "an array of tables ([[patterns]])", raw_patterns)
    for i, item in enumerate(raw_patterns):
        field = f"patterns[{i}]"
        item = c.table(item, field)
        c.known_keys(item, _PATTERN_KEYS, f"{field}.")
        for required in ("kind", "regex", "weight"):
            if required not in item:
                raise c.fail(f"{field}.{required}", "present", "nothing (the field is missing)")
        kind = c.string(item["kind"], f"{field}.kind")
        regex = c.regex(item["regex"], f"{field}.regex")
        weight = c.number(item["weight"], f"{field}.weight", -_MAX_WEIGHT, _MAX_WEIGHT)
        label = c.string(item.get("label", regex.pattern), f"{field}.label")
        patterns.append(Pattern(kind, regex, weight, label))
    kinds = {p.kind for p in patterns}

    vetoes = []
    raw_vetoes = data.get("vetoes", [])
    if not isinstance(raw_vetoes, list):
        raise c.fail("vetoes", "an array of tables ([[vetoes]])", raw_vetoes)
    for i, item in enumerate(raw_vetoes):
        field = f"vetoes[{i}]"
        item = c.table(item, field)
        c.known_keys(item, _VETO_KEYS, f"{field}.")
        for required in ("category", "regex", "reason"):
            if required not in item:
                raise c.fail(f"{field}.{required}", "present", "nothing (the field is missing)")
        category = c.string(item["category"], f"{field}.category")
        regex = c.regex(item["regex"], f"{field}.regex")
        reason = c.string(item["reason"], f"{field}.reason")
        overridden_by = item.get("overridden_by", [])
        if not isinstance(overridden_by, list) or not all(isinstance(k, str) for k in overridden_by):
            raise c.fail(f"{field}.overridden_by", "a list of pattern kinds", overridden_by)
        unknown = [k for k in overridden_by if k not in kinds]
        if unknown:
            raise c.fail(
                f"{field}.overridden_by",
                f"pattern kinds defined in [[patterns]] ({', '.join(sorted(kinds)) or 'none'})",
                unknown,
            )
        vetoes.append(Veto(category, regex, reason, frozenset(overridden_by)))

    context = None
    if "context" in data:
        ctx = c.table(data["context"], "context")
        c.known_keys(ctx, _CONTEXT_KEYS, "context.")
        for required in ("regex", "min_topic", "weight"):
            if required not in ctx:
                raise c.fail(f"context.{required}", "present", "nothing (the field is missing)")
        regex = c.regex(ctx["regex"], "context.regex")
        context = ContextRule(
            regex=regex,
            min_topic=c.number(ctx["min_topic"], "context.min_topic", 0.0, 1000.0, lo_open=True),
            max_chars=c.integer(ctx.get("max_chars", 140), "context.max_chars", 1, 100_000),
            weight=c.number(ctx["weight"], "context.weight", 0.0, _MAX_WEIGHT, lo_open=True),
            label=c.string(ctx.get("label", regex.pattern), "context.label"),
        )

    prefilter = None
    if "prefilter" in data:
        pre = c.table(data["prefilter"], "prefilter")
        c.known_keys(pre, {"regex"}, "prefilter.")
        if "regex" not in pre:
            raise c.fail("prefilter.regex", "present", "nothing (the field is missing)")
        prefilter = c.regex(pre["regex"], "prefilter.regex")
    features = []
    for feature, regex in c.table(data.get("features", {}), "features").items():
        if not _NAME.match(feature):
            raise c.fail(f"features.{feature}", "a name of letters, digits, _ or -", feature)
        features.append((feature, c.regex(regex, f"features.{feature}")))

    people_table = c.table(data.get("people", {}), "people")
    c.known_keys(people_table, _PEOPLE_KEYS, "people.")
    people = tuple((lang, c.string(v, f"people.{lang}")) for lang, v in sorted(people_table.items()))

    return SegmentDefinition(
        name=name,
        description=description.strip(),
        dictionary=dictionary,
        keywords=tuple(keywords),
        patterns=tuple(patterns),
        vetoes=tuple(vetoes),
        threshold=threshold,
        scale=scale,
        source=c.source,
        chance_rate=chance_rate,
        max_chance=max_chance,
        profile=profile,
        profile_admits=profile_admits,
        post_scorer=post_scorer,
        context=context,
        people=people,
        prefilter=prefilter,
        features=tuple(features),
        model=model_params,
    )


def _profile_patterns(raw: object, c: _Checker) -> tuple[ProfilePattern, ...]:
    if not isinstance(raw, list):
        raise c.fail("profile", "an array of tables ([[profile]])", raw)
    out = []
    for i, item in enumerate(raw):
        field = f"profile[{i}]"
        item = c.table(item, field)
        c.known_keys(item, _PROFILE_KEYS, f"{field}.")
        for required in ("field", "regex", "weight"):
            if required not in item:
                raise c.fail(f"{field}.{required}", "present", "nothing (the field is missing)")
        which = item["field"]
        if which not in PROFILE_FIELDS:
            raise c.fail(f"{field}.field", " or ".join(repr(f) for f in PROFILE_FIELDS), which)
        regex = c.regex(item["regex"], f"{field}.regex")
        weight = c.number(item["weight"], f"{field}.weight", 0.0, 1.0, lo_open=True)
        label = c.string(item.get("label", regex.pattern), f"{field}.label")
        out.append(ProfilePattern(which, regex, weight, label))
    return tuple(out)


def load_segment_file(path: str | Path) -> SegmentDefinition:
    """Read and validate one segment file (its ``name`` must equal the file name's stem).

    Example:
        >>> load_segment_file(DEFAULT_SEGMENTS_DIR / "mothers.toml").name
        'mothers'
    """
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SegmentDefinitionError(f"{source}: cannot read the segment file ({exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SegmentDefinitionError(f"{source}: the file must be UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SegmentDefinitionError(f"{source}: not valid TOML ({exc})") from None
    return _parse(data, path.stem, _Checker(source))


def list_segments(segments_dir: str | Path | None = None) -> list[str]:
    """Names of the segment files (``*.toml``) in ``segments_dir``, sorted.

    Example:
        >>> "mothers" in list_segments()
        True
    """
    folder = Path(segments_dir) if segments_dir is not None else DEFAULT_SEGMENTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if p.is_file())


def load_segment(name: str, segments_dir: str | Path | None = None) -> SegmentDefinition:
    """Load ``<segments_dir>/<name>.toml`` (default folder: ``<repo>/data/segments``).

    Example:
        >>> load_segment("mothers").dictionary
        'mothers'
    """
    folder = Path(segments_dir) if segments_dir is not None else DEFAULT_SEGMENTS_DIR
    if not isinstance(name, str) or not _NAME.match(name):
        raise SegmentDefinitionError(
            f"segment name must be letters, digits, '_' or '-' (a file stem in {folder}); got {_show(name)}"
        )
    path = folder / f"{name}.toml"
    if not path.is_file():
        available = ", ".join(list_segments(folder)) or "none"
        raise SegmentDefinitionError(
            f"unknown segment {name!r}: no file {path} (available: {available}); "
            f"add a {name}.toml there to define it"
        )
    return load_segment_file(path)
