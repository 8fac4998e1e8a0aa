"""The readers' quarantine reasons (why a row of an export could not be loaded) in the analyst's
language: the common forms (a field's bad value, a missing or empty field, an over-long cell, an
id Excel turned into a number) are matched and said through the gettext catalogues of
:mod:`report.i18n`; any other reason is kept as the reader wrote it (it is also what the
warehouse's ``quarantine`` table holds, for SQL). Used by ``tajian ingest`` and by the report's
data-quality section.

Example:
    >>> reason_text("field 'id' is '4.91E+15'; expected digits", lang="zh")
    "字段 'id' 的值是 '4.91E+15'；应为数字"
    >>> reason_text("field 'id' is '4.91E+15'; expected digits", lang="en")
    "field 'id' is '4.91E+15'; expected digits"
    >>> reason_text("a reason of an unknown form", lang="zh")
    'a reason of an unknown form'
"""

from __future__ import annotations

import re

from report.i18n import DEFAULT_LANG, N_, translations

__all__ = ["EXPECTED", "WHOLE_REASONS", "reason_text"]

#: what a reader expected of a field (the ``expected …`` of its quarantine reason) that the
#: catalogue translates; a form not listed here is kept as the reader wrote it
EXPECTED: frozenset[str] = frozenset(
    (
        N_("digits"),
        N_("a numeric id"),
        N_("a numeric user id"),
        N_("a count (0 or more)"),
        N_("a count (0 or more, below 2^62)"),
        N_("the post id"),
        N_("the author's numeric id"),
        N_("an id of letters and digits"),
        N_("the repost's id"),
        N_("the reposter's id"),
        N_("the author's id"),
        N_("the weibo id (mid)"),
        N_(
            "the weibo id as digits (Excel turns 16-digit ids into numbers like 5.37E+15: "
            "weibo-search issue #207)"
        ),
        N_("empty or the reposted weibo's id as digits (weibo-search issue #207)"),
    )
)

#: whole quarantine reasons the readers give in one fixed wording
WHOLE_REASONS: frozenset[str] = frozenset(
    (N_("the row has more cells than the header; its cells do not line up with the columns"),)
)

_FIELD = r"field '(?P<field>[^']+)'"
_FORMS = (
    (
        N_(
            "field '{field}' is {value}, a number (Excel rewrites long ids like this); expected the id "
            "as text, e.g. '5012345678901234'"
        ),
        re.compile(_FIELD + r" is (?P<value>.+?), a number \(Excel rewrites long ids like this\);.*"),
    ),
    (
        N_("field '{field}' holds {n} characters; expected at most {most}"),
        re.compile(_FIELD + r" holds (?P<n>[\d,]+) characters; expected at most (?P<most>[\d,]+).*"),
    ),
    (
        N_("field '{field}' is missing; expected {what}"),
        re.compile(_FIELD + r" is missing; expected (?P<what>.+)"),
    ),
    (
        N_("field '{field}' is empty; expected {what}"),
        re.compile(_FIELD + r" is empty; expected (?P<what>.+)"),
    ),
    (
        N_("field '{field}' is {value}; expected {what}"),
        re.compile(_FIELD + r" is (?P<value>.+?); expected (?P<what>.+)"),
    ),
)
_TIME_LIKE = re.compile(r"a time like ('[^']+')")


def reason_text(reason: str, lang: str = DEFAULT_LANG) -> str:
    """``reason`` (without its ``file, line N:`` prefix) in ``lang`` when it has a known form,
    else as it is (a form's tail, such as a hint after the expected value, is left out in
    translation: the catalogue's sentence says the same)."""
    if lang == "en":  # the message ids are the readers' English forms: the reason as written
        return reason
    _ = translations(lang).gettext
    reason = reason.strip()
    if reason in WHOLE_REASONS:
        return _(reason)
    for template, pattern in _FORMS:
        found = pattern.fullmatch(reason)
        if found is None:
            continue
        fields = found.groupdict()
        what = fields.get("what")
        if what is not None:
            timed = _TIME_LIKE.fullmatch(what)
            if timed is not None:
                fields["what"] = _("a time like {example}").format(example=timed.group(1))
            elif what in EXPECTED:
                fields["what"] = _(what)
        return _(template).format(**fields)
    return reason
