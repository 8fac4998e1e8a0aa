"""The command line's one-line messages, by key: what happened, where, and how to fix it.

The English templates are the gettext message ids (``N_`` marks them for ``make i18n``); their
Chinese is in ``report/locale/zh/LC_MESSAGES/tajian.po``. :func:`flows.messages.say` fills one
in the analyst's language. A new line is a new key here, then ``make i18n`` and its Chinese.

Example:
    >>> CATALOGUE["note"]
    'note: {detail}'
"""

from __future__ import annotations

from report.i18n import N_

__all__ = ["CATALOGUE"]

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
    "ingest_other_files": N_("{n:,} other file(s)"),
    "ingest_all_files": N_("all {n:,} file(s)"),
    "ingest_more_files": N_(
        "{n:,} file(s) summed in one row: --verbose shows a row for each, and the warehouse's "
        "loads table holds each file's figures (SELECT * FROM loads)"
    ),
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
    # fewer seeds than asked for (issue 16): how many members each house rule left out
    "fewer_seeds": N_(
        "note: only {e:,} of the {n:,} members may be seeds, fewer than the {k:,} asked for; left out: {why}"
    ),
    "left_unconfirmed": N_("{n:,} not confirmed in their own words (no first-person post or profile)"),
    "left_businesses": N_("{n:,} shops or sellers"),
    "left_bots": N_("{n:,} bot-like"),
    "left_inactive": N_("{n:,} without a post in the window"),
    "left_other": N_("{n:,} by the follower cap, verification or the filters"),
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
