"""What the command line tells people when something goes wrong: one line each, saying what
happened, where (the file, the day, the process) and how to fix it.

Every such line comes from :func:`say`, which fills a template of :data:`CATALOGUE` by its key,
in the analyst's language (:func:`use_lang`, set once by the CLI from ``--lang`` / the ``lang``
setting; Chinese by default). The keys are stable; the English templates are the gettext message
ids, translated in ``report/locale/zh/LC_MESSAGES/tajian.po`` (see :mod:`report.i18n`): a new line
is a new key here, marked ``N_(...)``, then ``make i18n`` and its Chinese in the ``.po``.
:func:`explain` turns an exception into its line and the command's exit code; tests check exit
codes and that no traceback is printed, not the wording.

Example:
    >>> say("warehouse_busy", lang="en", path="w.duckdb", pid=" (pid 7)")[:60]
    'w.duckdb: the warehouse is locked by another process (pid 7)'
    >>> say("warehouse_busy", lang="zh", path="w.duckdb", pid="")
    'w.duckdb：数据仓库正被另一个进程占用：正在导入或运行；请等它结束后再试'
    >>> explain(ValueError("k must be at least 1; got 0"))
    Explained(line='k must be at least 1; got 0', code=1, log=True)
"""

from __future__ import annotations

import errno
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from report.i18n import DEFAULT_LANG, N_, check_lang, translations

__all__ = [
    "CATALOGUE",
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "Explained",
    "UserError",
    "current_lang",
    "explain",
    "no_members_line",
    "os_cause",
    "people_of",
    "rule_warnings",
    "say",
    "tr",
    "use_lang",
]

#: exit codes: a run or load that failed; a bad option or definition file; busy (try again later)
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 75

CATALOGUE: dict[str, str] = {
    "lease_held": N_(
        "{segment} {as_of} is already being run by {holder} (pid {pid} on {host}, started {started}, "
        "last heartbeat {heartbeat}); wait for it to finish, or pass --wait SECONDS to queue behind it"
    ),
    "lease_waiting": N_(
        "{segment} {as_of} is being run by {holder} (pid {pid}); waiting up to {wait} s for it…"
    ),
    "lease_taken_over": N_(
        "note: took over {segment} {as_of} from run {holder} (pid {pid}), which ended without "
        "finishing: {done}"
    ),
    "warehouse_busy": N_(
        "{path}: the warehouse is locked by another process{pid}: an ingest or a run is in "
        "progress; try again when it finishes"
    ),
    "warehouse_not_duckdb": N_(
        "{path}: not a DuckDB database ({detail}); pass a warehouse file with --warehouse FILE "
        "(a new path creates one with `tajian ingest`)"
    ),
    "warehouse_missing": N_(
        "{path}: no warehouse there; load exports first (tajian ingest PATH --warehouse {path}) "
        "or pass --warehouse FILE"
    ),
    "warehouse_empty": N_(
        "{path}: the warehouse holds no posts; load exports first (tajian ingest PATH --warehouse {path})"
    ),
    "window_empty": N_(
        "{path}: no posts in the {window_days} days ending {as_of}: the warehouse holds posts from "
        "{first} to {last}; pick --as-of in that range"
    ),
    "read_only": N_(
        "{path}: cannot write there ({detail}); a run writes beside the warehouse (DuckDB's "
        "journal, the run's lease) and into the output folder: make them writable, or copy the "
        "warehouse to a writable folder and pass --warehouse"
    ),
    "no_space": N_(
        "{path}: no space left on the device ({detail}); free some space there (df -h {folder}) "
        "and run again; nothing of the failed run was kept"
    ),
    "prefect_start": N_(
        "Prefect's temporary server did not start within {timeout} s; the machine may be busy: try "
        "again, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or start a server once "
        "(prefect server start) and set PREFECT_API_URL"
    ),
    "day_failed": N_("failed {segment} {day}: {why}"),
    # tajian ingest (issue 19): the sample kept apart, why rows were quarantined, what "pending" is
    "sample_in_warehouse": N_(
        "warning: {path} also holds the synthetic sample ({files}); a run there would mix its "
        "made-up users with yours: load your exports into a warehouse of their own (--warehouse "
        "data/mine.duckdb), or delete {path} and load them again (`make run` and `tajian demo` "
        "keep the sample in {sample})"
    ),
    "quarantine_head": N_("{file}: {n:,} row(s) quarantined; the commonest reasons ({query}):"),
    "quarantine_reason": N_("  {n:,} × {reason}"),
    "excel_ids": N_(
        "  fix: ids like 4.91E+15 are what Excel makes of 16-digit ids when it opens and saves a CSV; "
        "load the exporter's original file, or open the CSV in Excel with Data → From Text/CSV, "
        "set the id columns to Text, and save it again"
    ),
    # tajian ingest's table and summary
    "ingest_title": N_("exports loaded"),
    "ingest_summary": N_(
        "ingest: {files:,} file(s), {rows:,} rows in {seconds:.1f} s ({rows_per_s:,.0f} rows/s, "
        "{files_per_s:,.1f} files/s)"
    ),
    "ingest_warehouse": N_("warehouse: {path}"),
    "ingest_progress": N_("loaded {file}"),
    "ingest_error": N_("error: {why}"),
    "ingest_nothing": N_("nothing loaded: {why}"),
    "ingest_no_rows": N_("{file}: the file holds no rows"),
    "ingest_all_quarantined": N_("every row was quarantined"),
    "ingest_more_quarantined": N_(" (and {n:,} more quarantined row(s): SELECT * FROM quarantine)"),
    "ingest_no_files": N_("no export files in {paths}; expected .csv, .json or .jsonl files (or their .gz)"),
    "pending_caption": N_(
        "pending: interactions whose other side is only a name (an @mention, a //@name in a "
        "repost chain) not matched to a user id yet; they link up when a later export brings that user"
    ),
    "col_file": N_("file"),
    "col_format": N_("format"),
    "col_read": N_("read"),
    "col_loaded": N_("loaded"),
    "col_updated": N_("updated"),
    "col_duplicates": N_("duplicates"),
    "col_quarantined": N_("quarantined"),
    "col_interactions": N_("interactions"),
    "col_pending": N_("pending"),
    "col_seconds": N_("seconds"),
    # a run that tagged nobody (issue 19): the funnel, the step that stopped it, what to try
    "no_members": N_(
        "no {people} found in the {window_days} days ending {as_of} (segment {segment}): {funnel}. "
        "Stopped: {stop} Try: {fix}"
    ),
    "funnel": N_(
        "{posts:,} posts in the window → {own:,} with the authors' own words → {relevant:,} with a "
        "word about {people} → {positive:,} positive → {authors:,} authors → {members:,} {people}"
    ),
    "stop_no_posts": N_("the window holds no posts."),
    "fix_no_posts": N_(
        "pick an --as-of within the dates the warehouse holds, or load exports that cover the window."
    ),
    "stop_no_own": N_("every post in the window is a bare repost or empty (no words of the author's own)."),
    "fix_no_own": N_(
        "load exports holding the authors' own posts (a keyword crawl or timelines), or pick another --as-of."
    ),
    "stop_prefilter": N_("none of the posts uses a word of the segment's [prefilter] in {file}."),
    "fix_prefilter": N_(
        "check that the exports are about {people} (e.g. a keyword crawl for their words), pick another "
        "--as-of, or widen [prefilter] in {file}."
    ),
    "stop_positive": N_("no post with a word about {people} was judged positive ({how})."),
    "fix_positive": N_(
        "see how close the posts come with `tajian classify --segment {segment} posts.csv` (it prints "
        "each post's score), or read more posts: --window-days {wider}."
    ),
    "how_model": N_(
        "the post model's threshold {threshold:.2f} at an estimated {prior:.0%} share of posts by {people}"
    ),
    "how_rules": N_("the keyword rules' threshold in {file}"),
    "stop_user_rule": N_(
        "the {authors:,} author(s) of the positive posts did not pass the [user] rules of {file}: a "
        "member needs more positive posts than chance would give (max_chance) or a clear profile "
        "signal (a bio like 两个娃的妈)."
    ),
    "fix_user_rule": N_(
        "read more posts per author with a longer window (--window-days {wider}), or raise "
        "max_chance in {file} [user]."
    ),
    # an eligibility rule on a profile field no member's export filled (issue 19)
    "rule_cannot_apply": N_(
        "warning: {rule} could not apply: {field} unknown for all {of:,} members (the exports hold "
        "none), so it passed everyone; load profiles that have it (e.g. weibo-crawler's users.csv) "
        "to apply it"
    ),
    "rule_follower_cap": N_("the follower cap ({value:,} followers: no celebrities)"),
    "rule_exclude_verified_organisations": N_("the rule keeping out verified organisations (blue V)"),
    "field_followers": N_("follower counts are"),
    "field_verified": N_("verification is"),
    "as_is": N_("{detail}"),
    "interrupted": N_("interrupted; nothing of the unfinished run was kept"),
    "unexpected": N_("{what} failed: {detail}"),
    "see_log": N_("{line} (details: {log})"),
    "no_log": N_("{line} (no log written: {why}; run again with --debug for the details)"),
    # the run summary the CLI prints
    "run_done": N_(
        "{people} as of {as_of}: {n_seeds} seed users picked from {n_members} members found; "
        "their word of mouth is expected to reach {reach} of them (took {elapsed} s)"
    ),
    "out_report": N_("report:    {path}"),
    "out_seeds": N_("seed list: {path}"),
    "demo_loading": N_("Loading the synthetic sample from {path} and running the mothers pipeline…"),
    "note": N_("note: {detail}"),
}


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


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    at: BaseException | None = exc
    while at is not None and all(at is not s for s in seen):
        seen.append(at)
        at = at.__cause__ or at.__context__
    return seen


_FILE = re.compile(r"""(?:file|directory) ["']([^"']+)["']""")
_SPACE = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def os_cause(exc: BaseException) -> tuple[str, str, str] | None:
    """``(kind, path, detail)`` when ``exc`` comes down to a full disk (``"no_space"``) or a
    folder that cannot be written (``"read_only"``), from an ``OSError``'s errno or from the
    text of a DuckDB error (which carries no errno); else None."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _SPACE + _READ_ONLY:
            kind = "no_space" if e.errno in _SPACE else "read_only"
            return kind, str(e.filename or ""), e.strerror or str(e)
        text = str(e)
        for kind, needle in (
            ("no_space", "No space left on device"),
            ("no_space", "Disk quota exceeded"),
            ("read_only", "Read-only file system"),
            ("read_only", "Permission denied"),
        ):
            if needle in text:
                found = _FILE.search(text)
                return kind, found.group(1) if found else "", needle
    return None


def _folder(path: str) -> str:
    return str(Path(path).parent) if path else "."


class UserError(ValueError):
    """Something the user gave that cannot work, already said in one line by :func:`say`
    (no traceback helps: no log file is written for it)."""


class Explained(NamedTuple):
    """What to print for an error: the line, the exit code, and whether a log file with the
    traceback helps (not for a refusal that says all there is, like a day another run holds)."""

    line: str
    code: int
    log: bool = True


def _ago(stamp: object) -> str:
    try:
        then = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return tr("{n} s ago").format(n=max(0, round((datetime.now(UTC) - then).total_seconds())))


def explain(exc: BaseException, what: str = "the command") -> Explained:
    """The one line to print for ``exc``, the exit code (:data:`EXIT_BUSY` when trying again
    later will do, :data:`EXIT_USAGE` for a definition file to fix, else :data:`EXIT_FAILED`)
    and whether a log file is worth writing."""
    from nlp.segments import SegmentDefinitionError
    from store.leases import LeaseHeldError
    from store.warehouse import WarehouseBusyError, WarehouseFileError

    if isinstance(exc, LeaseHeldError):
        h = exc.holder
        line = say(
            "lease_held",
            segment=exc.segment,
            as_of=exc.as_of.isoformat() if isinstance(exc.as_of, date) else exc.as_of,
            holder=tr("run {id}").format(id=h["run_id"]) if h.get("run_id") else tr("a run that is starting"),
            pid=h.get("pid", "?"),
            host=h.get("host", "?"),
            started=h.get("started_at", "?"),
            heartbeat=_ago(h.get("heartbeat_at", "?")),
        )
        return Explained(line, EXIT_BUSY, log=False)
    if isinstance(exc, WarehouseBusyError):
        pid = f" (pid {exc.holder_pid})" if exc.holder_pid else ""
        return Explained(
            say("warehouse_busy", path=exc.path or tr("the warehouse"), pid=pid), EXIT_BUSY, log=False
        )
    cause = os_cause(exc)
    if cause is not None:
        kind, path, detail = cause
        where = path or tr("the output or warehouse folder")
        return Explained(say(kind, path=where, detail=detail, folder=_folder(path)), EXIT_FAILED)
    if isinstance(exc, WarehouseFileError):
        detail = str(exc).split("(DuckDB: ", 1)[-1].rstrip(")")
        return Explained(say("warehouse_not_duckdb", path=exc.path, detail=detail), EXIT_FAILED, log=False)
    if isinstance(exc, UserError):
        return Explained(str(exc), EXIT_FAILED, log=False)
    if isinstance(exc, SegmentDefinitionError):
        return Explained(say("as_is", detail=_one_line(str(exc))), EXIT_USAGE, log=False)
    if isinstance(exc, RuntimeError) and "ephemeral Prefect API server" in str(exc):
        timeout = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20")
        return Explained(say("prefect_start", timeout=timeout), EXIT_BUSY)
    if isinstance(exc, ValueError | FileNotFoundError | RuntimeError):  # our errors say what to do
        return Explained(say("as_is", detail=_one_line(str(exc))), EXIT_FAILED)
    line = say("unexpected", what=what, detail=_one_line(f"{type(exc).__name__}: {exc}"))
    return Explained(line, EXIT_FAILED)


def _one_line(text: str) -> str:
    return " ".join(text.split())
