"""The command line's lines in the analyst's language (Chinese by default; :func:`use_lang`, set
once by the CLI from ``--lang`` / the ``lang`` setting).

Every line comes from :func:`say`, which fills a template of :data:`flows.catalogue.CATALOGUE`
by its key, or from :func:`tr`, which translates an English message id written where it is used
(both extracted by ``make i18n``; their Chinese is in ``report/locale/zh/LC_MESSAGES/tajian.po``,
see :mod:`report.i18n`). Errors become their one line in :mod:`flows.errors`.

Example:
    >>> say("warehouse_busy", lang="en", path="w.duckdb", pid=" (pid 7)")[:60]
    'w.duckdb: the warehouse is locked by another process (pid 7)'
    >>> say("warehouse_busy", lang="zh", path="w.duckdb", pid="")
    'w.duckdb：数据仓库正被另一个进程占用：正在导入或运行；请等它结束后再试'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.catalogue import CATALOGUE
from report.i18n import DEFAULT_LANG, check_lang, translations

__all__ = [
    "current_lang",
    "fewer_seeds_note",
    "no_members_line",
    "people_of",
    "rule_warnings",
    "say",
    "tr",
    "use_lang",
]


_LANG = [DEFAULT_LANG]


def use_lang(lang: str) -> None:
    """Speak ``lang`` (zh or en) in every later :func:`say` of this process (the CLI calls it
    once, from ``--lang`` or the ``lang`` setting)."""
    _LANG[0] = check_lang(lang)


def current_lang() -> str:
    """The language :func:`say` speaks now."""
    return _LANG[0]


def say(key: str, lang: str | None = None, **fields: Any) -> str:
    """The message ``key`` of :data:`CATALOGUE` in ``lang`` (default: :func:`current_lang`) with
    ``fields`` filled in: the one function every user-facing line goes through."""
    return translations(lang or _LANG[0]).gettext(CATALOGUE[key]).format(**fields)


def tr(message: str) -> str:
    """``message`` (an English message id, extracted by ``make i18n``: the keyword ``tr``) in the
    language of :func:`current_lang`; fields are filled in after, with ``str.format``.

    Example:
        >>> tr("exports loaded") == say("ingest_title")
        True
    """
    return translations(_LANG[0]).gettext(message)


def no_members_line(
    segment: str,
    window_days: int,
    as_of: str,
    window_posts: int,
    funnel: dict[str, Any] | None,
    segment_file: str,
) -> str:
    """Why a run tagged no member, from the tagger's funnel (``tag_funnels``): the funnel from
    the window's posts to members, the first step where nothing got through, and what to try.

    Example:
        >>> line = no_members_line("mothers", 30, "2026-11-15", 900, {"n_posts": 800,
        ...     "n_relevant": 40, "n_positive_posts": 2, "n_authors": 2, "n_members": 0},
        ...     "data/segments/mothers.toml")
        >>> line.split("：", 1)[1].split(" → ")[:2]
        ['窗口内 900 条帖子', '800 条有作者自己写的内容']
        >>> "没有通过 data/segments/mothers.toml 的 [user] 规则" in line and "--window-days 60" in line
        True
    """
    f = dict(funnel or {})
    own, relevant = int(f.get("n_posts") or 0), int(f.get("n_relevant") or 0)
    positive, authors = int(f.get("n_positive_posts") or 0), int(f.get("n_authors") or 0)
    people = people_of(segment, segment_file)
    fill = {
        "segment": segment,
        "people": people,
        "file": segment_file,
        "wider": window_days * 2,
        "authors": authors,
    }
    if not window_posts:
        stage = "no_posts"
    elif not own:
        stage = "no_own"
    elif not relevant:
        stage = "prefilter"
    elif not positive:
        stage = "positive"
        if f.get("threshold") is not None and f.get("prior") is not None:
            fill["how"] = say("how_model", threshold=f["threshold"], prior=f["prior"], people=people)
        else:
            fill["how"] = say("how_rules", file=segment_file)
    else:
        stage = "user_rule"
    funnel_text = say(
        "funnel",
        posts=window_posts,
        own=own,
        relevant=relevant,
        positive=positive,
        authors=authors,
        members=int(f.get("n_members") or 0),
        people=people,
    )
    return say(
        "no_members",
        segment=segment,
        people=people,
        window_days=window_days,
        as_of=as_of,
        funnel=funnel_text,
        stop=say(f"stop_{stage}", **fill),
        fix=say(f"fix_{stage}", **fill),
    )


def people_of(segment: str, segment_file: str | Path, lang: str | None = None) -> str:
    """What the members of ``segment`` are called in ``lang`` (default: :func:`current_lang`),
    from its definition file's ``people`` (妈妈 / mothers); the segment's name when the file
    cannot be read.

    Example:
        >>> people_of("mothers", "data/segments/mothers.toml", lang="zh")
        '妈妈'
        >>> people_of("nosuch", "data/segments/nosuch.toml", lang="en")
        'nosuch'
    """
    from nlp.segments import load_segment

    try:
        return load_segment(segment, Path(segment_file).parent).called(lang or _LANG[0])
    except (OSError, ValueError):
        return segment


def fewer_seeds_note(selection: dict[str, Any]) -> str | None:
    """A line saying why a run picked fewer seeds than asked for (None when it did not): how many
    members each house rule left out, from the selection's ``params``.

    Example:
        >>> sel = {"seeds": [1] * 41, "n_eligible": 41, "params": {"k_requested": 100, "n_members": 73,
        ...        "excluded_unconfirmed": 27, "excluded_businesses": 5}}
        >>> for part in fewer_seeds_note(sel).split("；没有入选的："):
        ...     print(part)
        注意：73 位成员中只有 41 位可以当种子，少于要求的 100 位
        27 位未得到本人话语确认（没有第一人称帖子或个人资料）；5 位是店铺或卖家
    """
    params = selection.get("params") or {}
    k, n = params.get("k_requested"), params.get("n_members")
    if k is None or n is None or len(selection.get("seeds") or ()) >= int(k):
        return None
    e = int(selection.get("n_eligible") or 0)
    counts = {
        "left_unconfirmed": int(params.get("excluded_unconfirmed") or 0),
        "left_businesses": int(params.get("excluded_businesses") or 0),
        "left_bots": int(params.get("excluded_as_bots") or 0),
        "left_inactive": int(params.get("excluded_inactive") or 0),
        "left_other": int(params.get("excluded_otherwise") or 0),
    }
    # a member left out for two reasons is counted under both
    why = tr("; ").join(say(key, n=c) for key, c in counts.items() if c)
    return say("fewer_seeds", e=e, n=int(n), k=int(k), why=why or say("left_other", n=int(n) - e))


def rule_warnings(checks: list[dict[str, Any]] | None) -> list[str]:
    """One warning line per eligibility rule that could not apply to anyone (``applies`` False in
    the selection's ``rule_checks``, :func:`graph.rule_checks.rule_checks`).

    Example:
        >>> rule_warnings([{"rule": "follower_cap", "field": "followers", "value": 50000,
        ...                 "unknown": 42, "of": 42, "applies": False}])[0][:30]
        '警告：粉丝数上限（50,000 粉丝：不要明星大号）没有生效'
    """
    return [
        say(
            "rule_cannot_apply",
            rule=say(f"rule_{c['rule']}", value=c["value"]),
            field=say(f"field_{c['field']}"),
            of=c["of"],
        )
        for c in checks or ()
        if not c.get("applies", True) and f"rule_{c['rule']}" in CATALOGUE
    ]
