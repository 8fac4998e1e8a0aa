"""The kinds of value a setting takes, each with how it is read from text.

:class:`flows.settings.Settings` declares its fields with these types; pydantic applies the reading
wherever a value comes from (``tajian.toml``, a ``TAJIAN_*`` variable, ``Settings.replace``). Each
reader raises ``ValueError`` for a value it refuses; the settings turn that into an error naming
the setting and where its value came from.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Places).validate_python("广东省, 广州市,广东")
    ('广东', '广州')
    >>> TypeAdapter(KindWeights).validate_python("repost=1,comment=0.5")
    (('repost', 1.0), ('comment', 0.5))
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from graph.options import gender_of, parse_probability
from store.places import short_name

__all__ = ["Count", "Gender", "HomePath", "KindWeights", "Names", "Places", "SpreadModel", "WholeNumber"]


def _whole(raw: Any) -> Any:
    if isinstance(raw, bool):  # True is not a number of days
        raise ValueError("a whole number, not true/false")
    return raw.strip() if isinstance(raw, str) else raw


def _spread_model(value: str) -> str:
    parse_probability(value)  # the model's own check: the one definition of what it takes
    return value


def _names(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    names = tuple(str(x).strip() for x in items if str(x).strip())
    if not names:
        raise ValueError("at least one segment name")
    return names


def _places(raw: Any) -> tuple[str, ...]:
    # short names, as store.places reads profiles' locations: 广东省 is 广东, 广州市 广州
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return tuple(dict.fromkeys(short_name(str(x)) for x in items if str(x).strip()))


def _gender(raw: Any) -> str:
    # as the profiles say it (女, female, F …), stored as the filter's code f / m
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    code = gender_of(raw)
    if code is None:
        raise ValueError("f, m or empty")
    return code


def _pairs(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return tuple(raw.items())
    if isinstance(raw, str):
        return tuple(tuple(p.split("=", 1)) for p in raw.split(","))
    return raw


#: a path; ``~`` is the user's home folder
HomePath = Annotated[Path, AfterValidator(Path.expanduser)]
#: a whole number: true/false is refused, not read as 1/0; text may have spaces around it
WholeNumber = Annotated[int, BeforeValidator(_whole)]
#: a whole number >= 0
Count = Annotated[int, Field(ge=0), BeforeValidator(_whole)]
#: a spread model as graph.options reads it: wc | uniform:P | learned
SpreadModel = Annotated[str, AfterValidator(_spread_model)]
#: names, from a list or comma-separated text ("mothers, beauty"); at least one
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_names)]
#: provinces or cities, from a list or comma-separated text, as their short names, once each
Places = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_places)]
#: a gender filter as the profiles say it (女, male, F …), kept as f / m ("" = anyone)
Gender = Annotated[str, BeforeValidator(_gender)]
#: kind=weight pairs, from a table, a list of pairs or text ("repost=1,comment=0.5")
KindWeights = Annotated[tuple[tuple[str, float], ...], NoDecode, BeforeValidator(_pairs)]
