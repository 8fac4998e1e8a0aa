"""A run's report from plain data: :func:`build_report` assembles the :class:`ReportInputs`
(seed rows, circles, meet-ups, changes since the previous run, charts' data) from tables the
report step read, and :func:`write_outputs` writes the five deliverables into a folder.

Plain data in (pandas tables, dicts, lists); no warehouse, no graph library, no Prefect.

Example:
    >>> engagement(pd.DataFrame({"user_id": ["a", "a"], "reposts": [1, 2], "comments": [0, 1],
    ...                          "likes": [3, None]}))
    {'a': (3.0, 1.0, 3.0, 2)}
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from report.html import ReportInputs, headline_text, write_report
from report.i18n import DEFAULT_LANG, N_, translations
from report.portrait import audience_portrait
from report.seedlist import (
    engagement_rate,
    explain_seed,
    own_words,
    profile_url,
    write_seeds_csv,
    write_seeds_json,
)

__all__ = [
    "FILES",
    "RunOutputs",
    "build_report",
    "engagement",
    "is_sample_data",
    "screen_names",
    "stored_overlap",
    "unknown_fields",
    "write_outputs",
]

#: the files of a run's folder: (file name, what it is)
FILES = (
    ("report.html", N_("this report")),
    ("seeds.xlsx", N_("the seed list for Excel, with columns for your outreach")),
    ("seeds.csv", N_("the seed list as UTF-8 CSV")),
    ("seeds.json", N_("the seed list with the full selection")),
    ("circles.gexf", N_("the seed users' circles for Gephi")),
)


@dataclass(frozen=True)
class RunOutputs:
    """Where a run's deliverables are."""

    folder: Path
    report: Path
    seeds_csv: Path
    seeds_json: Path
    seeds_xlsx: Path | None = None
    circles_gexf: Path | None = None


def stored_overlap(stored: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, dict[int, tuple], str]:
    """The cross-infection figures the select step stored (JSON: keys back to ints), the
    per-circle ones, and why there are none (when there are none).

    >>> stored_overlap({"error": "no graph"})
    (None, {}, 'no graph')
    >>> stored_overlap({"reached": 2.0, "reached_by_two_or_more": 1.0, "sample_size": 9,
    ...                 "by_count": {"1": 1.0}, "per_circle": {"3": [2.0, 1.0]}})[1]
    {3: (2.0, 1.0)}
    """
    if not stored or "error" in stored:
        why = (stored or {}).get("error") or "the selection holds no cross-infection figures"
        return None, {}, str(why)
    overlap = {k: stored[k] for k in ("reached", "reached_by_two_or_more", "sample_size")}
    overlap["by_count"] = {int(k): v for k, v in (stored.get("by_count") or {}).items()}
    per_circle = {int(c): tuple(v) for c, v in (stored.get("per_circle") or {}).items()}
    return overlap, per_circle, ""


def engagement(posts: pd.DataFrame) -> dict[str, tuple[float, float, float, int]]:
    """Per author: (reposts, comments, likes, posts) over their posts in the window (not comments)."""
    own = posts[posts["reply_to"].isna()] if "reply_to" in posts.columns else posts
    if own.empty:
        return {}
    counts = own[["reposts", "comments", "likes"]].astype(float).fillna(0.0)
    g = counts.groupby(own["user_id"]).agg("sum")
    n = own.groupby("user_id").size()
    n = n.reindex(g.index)
    return {  # columns zipped, not iterrows: 100k authors in a fraction of a second
        u: (float(r), float(c), float(lk), int(k))
        for u, r, c, lk, k in zip(g.index, g["reposts"], g["comments"], g["likes"], n, strict=True)
    }


def _seed_rows(
    sel: Mapping[str, Any],
    segment: str,
    tags: pd.DataFrame,
    profiles: pd.DataFrame,
    run_users: pd.DataFrame,
    posts: pd.DataFrame,
    reasons: Mapping[str, str],
    names: Mapping[str, str | None],
    lang: str = "en",
    people: str = "",
) -> list[dict[str, Any]]:
    """One row per seed (the seed list's columns plus evidence and bot reasons)."""
    prof = profiles.set_index("user_id")
    tag = tags.set_index("user_id")
    # the seeds' posts only: at 1M users the window's 2.8M posts are grouped in seconds
    by_user = engagement(posts[posts["user_id"].isin({str(s["user_id"]) for s in sel.get("seeds") or []})])
    mine = run_users[run_users["user_id"].isin({str(s["user_id"]) for s in sel.get("seeds") or []})]
    known = mine[mine["bot_score"].notna()]  # the seeds' rows: not a dict of every member's
    bot_by_user = dict(zip(known["user_id"], known["bot_score"].astype(float), strict=True))
    bot_why = {u: str(r or "") for u, r in zip(known["user_id"], known["bot_reasons"], strict=True)}
    rows = []
    for s in list(sel.get("seeds") or []):
        uid = str(s["user_id"])
        p = prof.loc[uid] if uid in prof.index else None
        t = tag.loc[uid] if uid in tag.index else None
        followers = None if p is None or pd.isna(p["followers"]) else int(p["followers"])
        n_hits = None if t is None else int(t["n_hits"])
        bot = bot_by_user.get(uid)  # run_users holds the bot scores; the seeds carry none
        e = by_user.get(uid)
        evidence = [] if t is None else json.loads(t["evidence"] or "[]")
        hit_words = list(dict.fromkeys(h for ev in evidence for h in (ev.get("hits") or [])))
        rows.append(
            {
                "rank": int(s["rank"]),
                "user_id": uid,
                "screen_name": names.get(uid),
                "profile_url": profile_url(uid),
                "followers": followers,
                "city": s.get("city"),
                "circle": s.get("circle"),
                "segment_score": None if t is None else float(t["score"]),
                "n_hits": n_hits,
                "engagement_rate": None if e is None else engagement_rate(*e, followers=followers),
                "bot_score": None if bot is None or pd.isna(bot) else float(bot),
                "bot_reasons": bot_why.get(uid) or None,
                "marginal_reach": float(s["marginal_reach"]),
                "cumulative_reach": float(s["cumulative_reach"]),
                "own_words": own_words(evidence, lang),
                "reason": explain_seed(
                    marginal_reach=float(s["marginal_reach"]),
                    cumulative_reach=float(s["cumulative_reach"]),
                    n_hits=n_hits,
                    circle=s.get("circle"),
                    city=s.get("city"),
                    segment_label=people or segment,
                    max_hops=(sel.get("model") or {}).get("max_hops"),
                    words=hit_words,
                    lang=lang,
                )
                if s.get("marginal_reach") is not None
                else reasons.get(uid, ""),
                "evidence": evidence,
            }
        )
    return rows


def _member_days(
    member_posts: pd.DataFrame | None,
    as_of: date,
    window_days: int,
    counts: Mapping[date, tuple] | None = None,
) -> list[tuple]:
    """Per day of the window: (day, members who posted, their posts), from the members' posts
    or from ``counts`` (day → (members who posted, posts)) counted already."""
    days = pd.date_range(start=as_of - pd.Timedelta(days=window_days - 1), end=as_of, freq="D")
    if counts is None and member_posts is not None:
        # grouped by the day's midnight (vectorised), not by a date object made per post
        by_day = member_posts.groupby(member_posts["created_at"].dt.normalize())["user_id"].agg(
            ["nunique", "size"]
        )
        counts = {
            ts.date(): (int(k), int(n))
            for ts, k, n in zip(by_day.index, by_day["nunique"], by_day["size"], strict=True)
        }
    counts = counts or {}
    return [(d.date().isoformat(), *counts.get(d.date(), (0, 0))) for d in days]


def _circle_rows(
    rows: list[dict[str, Any]],
    ref: Mapping[str, Any],
    members: set[str],
    circles: Mapping[str, int],
    member_city: Mapping[str, str | None],
    per_circle: Mapping[int, tuple],
) -> list[dict[str, Any]]:
    by_circle: dict[int, list[str]] = {}
    for u in members:  # grouped once, not one pass over every member per circle
        c = circles.get(u)
        if c is not None:
            by_circle.setdefault(c, []).append(u)
    circle_rows = []
    for c in sorted(
        {r["circle"] for r in rows if r["circle"] is not None},
        key=lambda c: (-sum(1 for r in rows if r["circle"] == c), c),
    ):
        in_circle = by_circle.get(c, [])
        counts = Counter(member_city[u] for u in in_circle if member_city.get(u))
        # ties by name: the members come from a set, whose order changes from run to run
        top = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        reached = per_circle.get(c)
        circle_rows.append(
            {
                "circle": c,
                "members": len(in_circle),
                "cities": ", ".join(f"{k} {v}" for k, v in top.items()),
                "seeds": [ref[r["user_id"]] for r in rows if r["circle"] == c],
                "reached": None if reached is None else reached[0],
                "reached_2plus": None if reached is None else reached[1],
            }
        )
    return circle_rows


def _meetups(rows: list[dict[str, Any]], ref: Mapping[str, Any]) -> list[dict[str, Any]]:
    meetups = []
    for city, group in pd.DataFrame(rows or [{"city": None}]).groupby(
        pd.DataFrame(rows or [{"city": None}])["city"].fillna(""), sort=False
    ):
        if not rows:
            break
        seeds_here = [ref[u] for u in group["user_id"]]
        circ = sorted({s["circle"] for s in seeds_here if s["circle"] is not None})
        meetups.append(
            {
                "city": city or None,
                "n_seeds": len(seeds_here),
                "circles": ", ".join(str(c) for c in circ),
                "seeds": seeds_here,
                "seeds_text": "; ".join(
                    f"#{s['rank']} {s['name'] or s['user_id']} ({s['user_id']}, circle {s['circle']})"
                    for s in seeds_here
                ),
            }
        )
    meetups.sort(key=lambda m: (m["city"] is None, -m["n_seeds"], m["city"] or ""))
    return meetups


def _changes(
    previous: Mapping[str, Any] | None,
    seed_ids: list[str],
    ref: Mapping[str, Any],
    names: Mapping[str, str | None],
) -> dict[str, Any] | None:
    if not previous:
        return None
    now = set(seed_ids)
    before = previous["seeds"]
    return {
        "previous_run_id": previous["run_id"],
        "previous_as_of": previous["as_of"],
        "previous_reach": previous["reach"],
        "kept": [{**ref[u], "was": before[u]} for u in seed_ids if u in before],
        "new": [ref[u] for u in seed_ids if u not in before],
        "dropped": [
            {"rank": rk, "name": names.get(u), "user_id": u}
            for u, rk in sorted(before.items(), key=lambda x: x[1])
            if u not in now
        ],
    }


def screen_names(profiles: pd.DataFrame) -> dict[str, str | None]:
    """Each profile's screen name by user id (None where it has none), built from whole
    columns: a million profiles take a second, not a minute of per-row pandas access.

    >>> screen_names(pd.DataFrame({"user_id": ["1", "2"], "screen_name": ["豆豆妈", None]}))
    {'1': '豆豆妈', '2': None}
    """
    names = profiles["screen_name"].astype(object)
    names = names.where(names.notna(), None)
    ids = profiles["user_id"].tolist()
    return {u: (None if n is None else str(n)) for u, n in zip(ids, names.tolist(), strict=True)}


def build_report(
    *,
    segment: str,
    segment_description: str,
    as_of: date,
    window_days: int,
    run_id: str,
    synthetic: bool,
    version: str,
    selection: Mapping[str, Any],
    tags: pd.DataFrame,
    posts: pd.DataFrame,
    profiles: pd.DataFrame,
    run_users: pd.DataFrame,
    reasons: Mapping[str, str],
    loads: pd.DataFrame,
    quarantine: Sequence[tuple[str, int]],
    pending: int,
    previous: Mapping[str, Any] | None,
    members_note: str,
    top_words: Sequence[tuple[str, int, float]],
    eligibility: Sequence[str],
    model_text: str,
    cities_of: Mapping[str, str | None],
    network: Mapping[str, Any],
    circle_nodes: Sequence[str],
    circle_edges: Sequence[tuple[str, str, float]],
    lang: str = DEFAULT_LANG,
    people: str = "",
    levels_of: Mapping[str, str | None] | None = None,
    step_seconds: Sequence[tuple[str, float]] = (),
    segment_status: Mapping[str, Any] | None = None,
    author_gaps: Mapping[str, Any] | None = None,
    n_posts: int | None = None,
    member_activity: Mapping[str, Any] | None = None,
) -> ReportInputs:
    """The report of one run from what the report step read: the selection (its stored
    ``overlap`` is taken out), the run's tags and ``run_users`` (circles, bot scores), the
    window's posts, the profiles (screen names, followers), the loads and quarantine, the
    previous run (:func:`store.runs.previous_run`), the texts other rooms wrote (members note,
    eligibility rules, model), each profile's city, and the graph's parts the report shows
    (the picture, the seeds' circles and their edges for circles.gexf), in ``lang`` with the
    members called ``people`` (妈妈 / mothers), how fine each profile's place is (``levels_of``:
    city / province / abroad, :mod:`store.places`), and how long each of the run's steps before
    the report took (``step_seconds``, for the method section), and the segment's facts
    (``segment_status``: draft, scorer, its measurement on labelled posts). ``author_gaps``
    (:func:`store.warehouse.window_author_gaps`: ``n_authors``, ``without_profile``,
    ``unknown_fields``) are the window's authors' counts when ``profiles`` holds only the
    profiles the report shows; without it they are counted from ``posts`` and ``profiles``.
    ``n_posts`` is the window's post count when ``posts`` holds only the members' and seeds'
    posts (:func:`store.report_rows.fetch_window_posts_no_text_of`); without it, ``len(posts)``.
    ``member_activity`` (:func:`store.report_rows.member_activity`: the members' posts by day,
    hour and weekday, counted in the warehouse) stands for the members' posts when ``posts``
    holds only the seeds'; without it they are counted from ``posts``."""
    _ = translations(lang).gettext
    sel = dict(selection)
    overlap, per_circle, overlap_error = stored_overlap(sel.pop("overlap", None))
    in_circle = run_users[run_users["circle"].notna()]  # whole columns, not pd.notna per member
    circles = dict(
        zip(
            in_circle["user_id"].astype(str).tolist(),
            in_circle["circle"].astype("int64").tolist(),
            strict=True,
        )
    )
    names = screen_names(profiles)
    rows = _seed_rows(sel, segment, tags, profiles, run_users, posts, reasons, names, lang, people)
    seed_ids = [r["user_id"] for r in rows]
    notes = [members_note]
    if not any(r["bot_score"] is not None for r in rows):
        notes.append(
            _(
                "Bot score: not available for this run, so the bot score column is empty in "
                "every file; bot-like accounts are kept out only by the eligibility rules."
            )
        )
    if overlap is None:  # the report still renders, and says why
        notes.append(
            _("How many hear it more than once could not be estimated: {why}").format(why=overlap_error)
        )
    members = set(tags["user_id"])
    # once, for the days and the portrait (or counted already: a million members' posts)
    member_posts = posts[posts["user_id"].isin(members)] if member_activity is None else None
    # dicts, not a .at lookup per member: 250k members in a second; of the members and the
    # circles' nodes only (the profiles may hold more: every author's, without author_gaps)
    # object ids: pandas' isin on Arrow strings converts each wanted id to a scalar (1 s per
    # 300k ids), an object column hashes them
    shown = profiles[profiles["user_id"].astype(object).isin(members.union(circle_nodes))]
    unknown = shown["followers"].isna().tolist()
    counts = shown["followers"].fillna(0).astype("int64").tolist()
    followers = {
        u: None if no else f for u, no, f in zip(shown["user_id"].tolist(), unknown, counts, strict=True)
    }
    member_followers = [followers.get(u) for u in sorted(members)]
    member_city = {u: cities_of.get(u) if u in followers else None for u in members}
    seed_city = pd.Series([r["city"] for r in rows if r["city"]], dtype=object).value_counts()
    city_counts = pd.Series([c for c in member_city.values() if c], dtype=object).value_counts()
    ref = {
        r["user_id"]: {
            "rank": r["rank"],
            "name": r["screen_name"],
            "user_id": r["user_id"],
            "city": r["city"],
            "circle": r["circle"],
        }
        for r in rows
    }
    if author_gaps is None:
        authors = posts["user_id"].unique()  # distinct authors, without a set of every post's
        author_gaps = {
            "n_authors": len(authors),
            "without_profile": _without_profile(authors, profiles),
            "unknown_fields": unknown_fields(authors, profiles),
        }
    levels = dict(levels_of or {})
    for r in rows:
        r["place_level"] = levels.get(r["user_id"])
    checks = [dict(c) for c in sel.get("rule_checks") or ()]
    notes += [_rule_note(c) for c in checks if not c.get("applies", True)]
    return ReportInputs(
        segment=segment,
        segment_label=segment,
        segment_description=segment_description,
        as_of=as_of,
        window_days=window_days,
        run_id=run_id,
        synthetic=synthetic,
        selection=sel,
        seed_rows=rows,
        n_posts=len(posts) if n_posts is None else int(n_posts),
        n_authors=int(author_gaps["n_authors"]),
        n_members=len(members),
        top_words=top_words,
        loads=loads.to_dict("records"),
        quarantine=[(r[0], int(r[1])) for r in quarantine],
        users_without_profile=int(author_gaps["without_profile"]),
        unknown_fields={f: (int(a), int(b)) for f, (a, b) in author_gaps["unknown_fields"].items()},
        place_levels={
            "members": _count_levels(levels.get(u) for u in members),
            "seeds": _count_levels(r["place_level"] for r in rows),
        },
        rule_checks=checks,
        pending_interactions=int(pending),
        eligibility=eligibility,
        model_text=model_text,
        version=version,
        member_days=_member_days(
            member_posts, as_of, window_days, member_activity["days"] if member_activity else None
        ),
        member_followers=member_followers,
        cities=[(c, int(n), int(seed_city.get(c, 0))) for c, n in city_counts.items()],
        circles=_circle_rows(rows, ref, members, circles, member_city, per_circle),
        meetups=_meetups(rows, ref),
        overlap=overlap,
        network=network,
        changes=_changes(previous, seed_ids, ref, names),
        notes=notes,
        files=list(FILES),
        gexf_nodes=[
            {
                "id": u,
                "label": names.get(u) or u,
                "circle": circles.get(u),
                "rank": ref[u]["rank"] if u in ref else None,
                "city": member_city.get(u) or (ref[u]["city"] if u in ref else None),
                "member": u in members,
                "followers": followers.get(u),
            }
            for u in circle_nodes
        ],
        gexf_edges=list(circle_edges),
        portrait={
            "segment": audience_portrait(
                profiles, member_posts, sorted(members), theirs=True, activity=member_activity
            ),
            "seeds": audience_portrait(
                profiles, posts[posts["user_id"].isin(set(seed_ids))], seed_ids, theirs=True
            ),
        },
        lang=lang,
        people=people,
        step_seconds=tuple((str(name), float(sec)) for name, sec in step_seconds),
        segment_status=dict(segment_status) if segment_status else None,
    )


#: the profile fields data quality counts, and the place levels (finest first)
PROFILE_FIELDS = ("followers", "verified", "location", "gender")
PLACE_LEVELS = ("city", "province", "abroad")


def unknown_fields(users: Collection[str], profiles: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per profile field: (how many of ``users`` lack it, how many users). A user without a
    profile row lacks every field; a field no export filled reads (n, n), never "0 lack it".

    >>> unknown_fields({"a", "b"}, pd.DataFrame({"user_id": ["a"], "followers": [None],
    ...                 "verified": [True], "location": ["广东"], "gender": [None]}))["followers"]
    (2, 2)
    """
    n = len(users)  # distinct ids (a set, or an array of unique ids)
    mine = profiles[profiles["user_id"].isin(users)] if len(profiles) else profiles
    # vectorised counts, not a set per field: 1M authors in a fraction of a second
    return {
        f: (n - (int(mine.loc[mine[f].notna(), "user_id"].nunique()) if f in mine.columns else 0), n)
        for f in PROFILE_FIELDS
    }


def _without_profile(users: Collection[str], profiles: pd.DataFrame) -> int:
    """How many of ``users`` (distinct ids) have no profile worth the name: no row, or no
    follower count, verification or place."""
    fields = [f for f in ("followers", "verified", "location") if f in profiles.columns]
    if not fields:
        return len(users)
    mine = profiles[profiles["user_id"].isin(users)]
    return len(users) - int(mine.loc[mine[fields].notna().any(axis=1), "user_id"].nunique())


def _count_levels(levels: Any) -> dict[str, int]:
    counts = dict.fromkeys((*PLACE_LEVELS, "unknown"), 0)
    for level in levels:
        counts[level if level in counts else "unknown"] += 1
    return counts


def _rule_note(check: Mapping[str, Any]) -> str:
    """The note for an eligibility rule no member's data let apply."""
    value = check.get("value")
    what = {
        "follower_cap": f"The follower cap ({value:,} followers)"
        if isinstance(value, int)
        else "The follower cap",
        "exclude_verified_organisations": "Keeping out verified organisations",
    }.get(str(check.get("rule")), str(check.get("rule")))
    return (
        f"{what} could not apply: {check.get('field')} unknown for all {check.get('of', 0):,} members "
        "(the exports hold none), so every member passed it."
    )


def write_outputs(inputs: ReportInputs, folder: Path) -> RunOutputs:
    """Write report.html, seeds.csv, seeds.json, seeds.xlsx and circles.gexf into ``folder``."""
    from report.gexf import write_circles_gexf  # networkx and openpyxl: only when writing
    from report.xlsx import write_seeds_xlsx

    folder = Path(folder)
    _ = translations(inputs.lang).gettext
    rows = list(inputs.seed_rows)
    flat_rows = [{k: v for k, v in r.items() if k not in ("evidence", "bot_reasons")} for r in rows]
    headline = headline_text(inputs)
    sel = inputs.selection
    about = [
        (_("audience"), inputs.who),
        (_("as of"), inputs.as_of.isoformat()),
        (
            _("window"),
            _("{n} days ending {end} (Beijing time)").format(
                n=inputs.window_days, end=inputs.as_of.isoformat()
            ),
        ),
        (_("run"), inputs.run_id),
        (_("headline"), headline),
        (_("method"), str(sel.get("method", ""))),
        (_("spreading model"), inputs.model_text),
        (_("random seed"), str(sel.get("random_seed", ""))),
        (_("synthetic sample"), _("yes") if inputs.synthetic else _("no")),
    ]
    notes = list(inputs.notes)
    return RunOutputs(
        folder=folder,
        report=write_report(inputs, folder / "report.html"),
        seeds_csv=write_seeds_csv(flat_rows, folder / "seeds.csv"),
        seeds_json=write_seeds_json(
            dict(sel),
            rows,
            folder / "seeds.json",
            notes=notes,
            extra={
                "report": {
                    "headline": headline,
                    "run_id": inputs.run_id,
                    "overlap": inputs.overlap,
                    "lang": inputs.lang,
                }
            },
        ),
        seeds_xlsx=write_seeds_xlsx(
            rows,
            folder / "seeds.xlsx",
            meetups=list(inputs.meetups),
            about=about,
            notes=notes,
            lang=inputs.lang,
        ),
        circles_gexf=write_circles_gexf(
            list(inputs.gexf_nodes), list(inputs.gexf_edges), folder / "circles.gexf"
        ),
    )


def is_sample_data(sources: Sequence[str], samples_dir: Path) -> bool:
    """Whether any of the loaded ``sources`` (file paths) lies in ``samples_dir``: a report of
    the shipped synthetic sample says so in its headline.

    >>> is_sample_data(["/data/samples/weibo_api/a.jsonl"], Path("/data/samples"))
    True
    >>> is_sample_data(["/exports/a.jsonl"], Path("/data/samples"))
    False
    """
    root = Path(samples_dir).resolve()
    for s in sources:
        try:
            Path(s).resolve().relative_to(root)
            return True
        except ValueError:
            continue
    return False
