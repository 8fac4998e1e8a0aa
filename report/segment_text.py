"""How a segment's audience-finding stands, in the analyst's language: measured on labelled posts
(precision / recall / F1 with their 95% intervals), or plainly not measured; a draft segment or
one with no trained model yet says so.

The facts come from :func:`nlp.segment_status.segment_status` (numbers and flags, no words); the
words are here, through the gettext catalogues of :mod:`report.i18n`, for the report and for the
command line (``tajian evaluate``, ``tajian run``, ``tajian label``).

Example:
    >>> m = {"precision": 0.91, "precision_ci": [0.86, 0.94], "recall": 0.5, "recall_ci": [0.4, 0.6],
    ...      "f1": 0.65, "f1_ci": [0.55, 0.73], "n": 212}
    >>> measured_text(m, lang="zh").split("：")[1].split("，")
    ['精确率 0.91 [0.86, 0.94]', '召回率 0.50 [0.40, 0.60]', 'F1 0.65 [0.55, 0.73]']
    >>> quality_line({"segment": "food", "draft": True, "scorer": "rules", "model_missing": True,
    ...               "measured": None}, "food lovers", lang="en")[:60]
    'How well food lovers are found is not measured: no measureme'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from report.i18n import DEFAULT_LANG, translations

__all__ = ["measured_text", "quality_line", "segment_notes"]


def measured_text(measured: Mapping[str, Any], lang: str = DEFAULT_LANG) -> str:
    """One line of a measurement (``tajian evaluate``'s figures: ``precision``, ``precision_ci``,
    … and ``n``, the randomly chosen labelled posts it was measured on; or ``make model``'s, with
    ``labels`` "held-out" and ``positives``: hand-labelled posts the model never saw)."""
    _ = translations(lang).gettext

    def part(key: str) -> str:
        lo, hi = measured[f"{key}_ci"]
        return f"{float(measured[key]):.2f} [{float(lo):.2f}, {float(hi):.2f}]"

    figures = {"precision": part("precision"), "recall": part("recall"), "f1": part("f1")}
    if measured.get("labels") == "held-out":  # make model: hand-labelled posts it never saw
        return _(
            "measured on {n} hand-labelled posts the model never saw ({share} of them members): "
            "precision {precision}, recall {recall}, F1 {f1}"
        ).format(
            n=f"{int(measured['n']):,}",
            share=f"{int(measured['positives']) / max(1, int(measured['n'])):.0%}",
            **figures,
        )
    return _(
        "measured on {n} labelled posts chosen at random: precision {precision}, recall {recall}, F1 {f1}"
    ).format(n=f"{int(measured['n']):,}", **figures)


def quality_line(status: Mapping[str, Any], people: str, lang: str = DEFAULT_LANG) -> str:
    """The report's sentence on how well the audience (``people``: 妈妈 / mothers) is found: the
    measured line of the model that scored this run's posts, or that it is not measured."""
    _ = translations(lang).gettext
    measured = status.get("measured")
    if measured and status.get("scorer") == "classifier" and not status.get("model_missing"):
        day = str(measured.get("at") or "")[:10]
        return _("How well {people} are found: {measured}{when}.").format(
            people=people,
            measured=measured_text(measured, lang),
            when=_(" (measured {day})").format(day=day) if day else "",
        )
    return _(
        "How well {people} are found is not measured: no measurement on labelled posts is recorded "
        "for what scored this run's posts (label posts with tajian label --segment {segment}, then "
        "tajian evaluate --segment {segment} records one)."
    ).format(people=people, segment=status.get("segment", ""))


def segment_notes(status: Mapping[str, Any], lang: str = DEFAULT_LANG) -> list[str]:
    """What an analyst must know before trusting the segment: it is a draft (its definition not
    measured on real posts, or measured and not yet good enough), or it wants a model that is not
    trained yet (its rules score the posts meanwhile). Empty when neither."""
    _ = translations(lang).gettext
    segment = status.get("segment", "")
    notes = []
    if status.get("draft") and status.get("measured"):
        notes.append(
            _(
                "“{segment}” is a draft segment: measured on real posts, but not yet found well enough to "
                "trust its members (label more posts: tajian label / train / evaluate)."
            ).format(segment=segment)
        )
    elif status.get("draft"):
        notes.append(
            _(
                "“{segment}” is a draft segment: its definition has not been measured on real posts yet "
                "(tajian label / train / evaluate)."
            ).format(segment=segment)
        )
    if status.get("model_missing"):
        notes.append(
            _(
                "“{segment}” has no trained model yet, so its keyword rules score the posts; train one "
                "with tajian train --segment {segment}."
            ).format(segment=segment)
        )
    return notes
