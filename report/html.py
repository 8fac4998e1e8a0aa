"""The segment report: one self-contained HTML file an analyst reads without an engineer.

``render_report`` takes plain data (a :class:`ReportInputs`) and returns HTML. The charts are
plotly figures whose JavaScript (from the plotly wheel) is inlined once, so the file opens
offline; nothing is loaded from the network, and every piece of user text is escaped (Jinja2
autoescaping in the page, :func:`report.charts.esc` in the charts).

The page speaks the analyst's language (``ReportInputs.lang``: ``zh`` by default, or ``en``)
through the gettext catalogues of :mod:`report.i18n` and Jinja2's i18n extension; plain words in
the body, the method's details in a closing appendix.

Example:
    >>> html = render_report(ReportInputs.example())
    >>> "<script>alert(1)</script>" in html, "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    (False, True)
    >>> "种子用户" in html, "种子用户" in render_report(ReportInputs.example(lang="en"))
    (True, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2

from report import charts
from report.i18n import DEFAULT_LANG, N_, translations
from report.portrait import portrait_view, set_filters
from report.reasons import reason_text
from report.segment_text import quality_line, segment_notes

__all__ = [
    "METHOD_LABELS",
    "STEP_NAMES",
    "ReportInputs",
    "banners",
    "describe_parameters",
    "eligibility_text",
    "headline_text",
    "members_note",
    "model_plain",
    "render_report",
    "step_times",
    "write_report",
]

#: the lists' names (message ids: translated where shown)
METHOD_LABELS = {
    "ris": N_("Tajian (most people reached)"),
    "followers": N_("most followers"),
    "pagerank": N_("PageRank"),
    "degree": N_("most people spread to"),
}
_METHOD_TEXT = {
    "ris": N_(
        "greedy maximum coverage over reverse-reachable sets sampled from the segment's "
        "members: each seed is picked for how many members it reaches that the seeds before it do "
        "not, so seeds in different circles are preferred over seeds that reach the same people"
    ),
    "pagerank": N_("PageRank ranking of the influence graph (influence flowing out)"),
    "degree": N_("ranking by the number of different people each user's posts spread to"),
    "followers": N_("ranking by follower count"),
}


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, as plain data.

    ``seed_rows`` are the seed-list rows (keys of :data:`report.seedlist.SEED_COLUMNS` plus
    ``evidence``); the optional sections are left out of the page when their data is empty.
    """

    segment: str
    segment_label: str
    segment_description: str
    as_of: date
    window_days: int
    run_id: str
    synthetic: bool
    selection: Mapping[str, Any]
    seed_rows: Sequence[Mapping[str, Any]]
    n_posts: int
    n_authors: int
    n_members: int
    top_words: Sequence[tuple[str, int, float]] = ()
    loads: Sequence[Mapping[str, Any]] = ()
    quarantine: Sequence[tuple[str, int]] = ()
    users_without_profile: int = 0
    pending_interactions: int = 0
    eligibility: Sequence[str] = ()
    model_text: str = ""
    version: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: per day (ISO date, members who posted, their posts)
    member_days: Sequence[tuple[str, int, int]] = ()
    #: follower counts of all members (None = unknown)
    member_followers: Sequence[int | None] = ()
    #: (city, members, seeds), most members first
    cities: Sequence[tuple[str, int, int]] = ()
    #: circles holding seeds: {circle, members, cities, seeds: [{rank, name, user_id, city}],
    #: reached, reached_2plus}
    circles: Sequence[Mapping[str, Any]] = ()
    #: seeds by city: {city, n_seeds, circles (text), seeds: [{rank, name, user_id, circle}]}
    meetups: Sequence[Mapping[str, Any]] = ()
    #: cross-infection: {reached, reached_by_two_or_more, by_count: {m: members}, sample_size}
    overlap: Mapping[str, Any] | None = None
    #: the picture: {nodes: [{id, label, circle, rank, city}], edges: [(a, b)]}
    network: Mapping[str, Any] | None = None
    #: since the previous run: {previous_run_id, previous_as_of, previous_reach, kept, new, dropped}
    changes: Mapping[str, Any] | None = None
    #: sentences the analyst must know (e.g. why a column is empty)
    notes: Sequence[str] = ()
    #: files next to the report: (file name, what it is)
    files: Sequence[tuple[str, str]] = ()
    #: circles.gexf: the seeds and their circles' members ({id, label, circle, rank, city, member,
    #: followers}) and the edges among them ((a, b, weight))
    gexf_nodes: Sequence[Mapping[str, Any]] = ()
    gexf_edges: Sequence[tuple[str, str, float]] = ()
    #: audience portrait (:func:`report.portrait.audience_portrait`) of the segment and of the
    #: seeds: {"segment": {...}, "seeds": {...}}; None leaves the section out
    portrait: Mapping[str, Any] | None = None
    #: the language of the page: zh (default) or en
    lang: str = DEFAULT_LANG
    #: what the members are called in that language (妈妈 / mothers; the segment's ``people``)
    people: str = ""

    @property
    def who(self) -> str:
        """What the members are called on the page."""
        return self.people or self.segment_label

    #: issue 19 data: per profile field, (people without it, people) over the window's authors
    unknown_fields: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    #: how fine the places are ("members" / "seeds" → {city, province, abroad, unknown: count}):
    #: an IP location (IP属地) is a province, never to be called a city
    place_levels: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: eligibility rules on profile fields: {rule, field, value, unknown, of, applies}
    rule_checks: Sequence[Mapping[str, Any]] = ()
    #: the run's steps before the report and their wall time, in order: ((step, seconds), …)
    step_seconds: Sequence[tuple[str, float]] = ()
    #: the segment's facts (:func:`nlp.segment_status.segment_status`: draft, scorer,
    #: model_missing, measured); None leaves the measured line out
    segment_status: Mapping[str, Any] | None = None

    @classmethod
    def example(cls, lang: str = DEFAULT_LANG) -> ReportInputs:
        """A tiny, fully populated input (used in docs and tests)."""
        selection = {
            "method": "ris",
            "random_seed": 1,
            "expected_reach": 3.0,
            "expected_reach_stderr": 0.1,
            "n_eligible": 1,
            "judged_on_unknown": 0,
            "guarantee": "none",
            "params": {"k": 1, "eligibility": {"follower_cap": 50000}},
            "model": {"max_hops": 2, "probability": "wc", "decay": 1.0},
            "reach_curve": [[1, 3.0]],
            "baselines": {"followers": {"expected_reach": 1.0, "reach_curve": [[1, 1.0]]}},
        }
        row = {
            "rank": 1,
            "user_id": "1",
            "screen_name": "<script>alert(1)</script>",
            "profile_url": "https://weibo.com/u/1",
            "followers": 10,
            "city": "杭州",
            "circle": 0,
            "segment_score": 0.9,
            "n_hits": 2,
            "engagement_rate": 0.05,
            "bot_score": None,
            "marginal_reach": 3.0,
            "cumulative_reach": 3.0,
            "reason": "r",
            "evidence": [
                {"text": "我家宝宝<b>", "created_at": "2026-11-01", "hits": ["我家宝宝"], "score": 0.9}
            ],
        }
        seed_ref = {"rank": 1, "name": row["screen_name"], "user_id": "1", "city": "杭州", "circle": 0}
        return cls(
            segment="mothers",
            segment_label="mothers",
            segment_description="d",
            as_of=date(2026, 11, 15),
            window_days=30,
            run_id="r1",
            synthetic=True,
            selection=selection,
            seed_rows=[row],
            n_posts=3,
            n_authors=2,
            n_members=2,
            top_words=[("宝宝", 3, 2.5), ("<i>", 1, 1.0)],
            member_days=[("2026-11-14", 1, 2), ("2026-11-15", 2, 3)],
            member_followers=[10, None],
            cities=[("杭州", 1, 1), ("<u>", 1, 0)],
            circles=[
                {
                    "circle": 0,
                    "members": 2,
                    "cities": "杭州",
                    "seeds": [seed_ref],
                    "reached": 2.0,
                    "reached_2plus": 0.0,
                }
            ],
            meetups=[{"city": "杭州", "circles": "0", "n_seeds": 1, "seeds": [seed_ref]}],
            overlap={
                "reached": 3.0,
                "reached_by_two_or_more": 0.0,
                "by_count": {1: 3.0, 2: 0.0},
                "sample_size": 100,
            },
            network={
                "nodes": [
                    {"id": "1", "label": row["screen_name"], "circle": 0, "rank": 1, "city": "杭州"},
                    {"id": "2", "label": "b", "circle": 0, "rank": None, "city": None},
                ],
                "edges": [("1", "2")],
            },
            changes={
                "previous_run_id": "r0",
                "previous_as_of": "2026-11-14",
                "previous_reach": 2.0,
                "kept": [seed_ref],
                "new": [],
                "dropped": [{"rank": 1, "name": "<em>gone</em>", "user_id": "9"}],
            },
            notes=["bot score: not computed by this selector; the column is empty"],
            files=[("seeds.xlsx", "the seed list for Excel")],
            lang=lang,
            people="妈妈" if lang == "zh" else "mothers",
        )


def _env(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _baselines(sel: Mapping[str, Any], lang: str = "en") -> list[dict[str, Any]]:
    _ = translations(lang).gettext
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    out = []
    for method, b in sorted((sel.get("baselines") or {}).items()):
        try:
            r = float(b["expected_reach"])
        except (KeyError, TypeError, ValueError):
            continue
        out.append(
            {
                "method": method,
                "label": _(METHOD_LABELS[method]) if method in METHOD_LABELS else method,
                "reach": r,
                "stderr": float(b.get("expected_reach_stderr") or 0.0),
                "ratio": reach / r if r > 0 else None,
            }
        )
    return out


def _all_are_seeds(inputs: ReportInputs) -> bool:
    """Every eligible member is a seed: then any list of them all reaches the same people."""
    n_eligible = int(inputs.selection.get("n_eligible", 0) or 0)
    return len(inputs.seed_rows) >= n_eligible or len(inputs.seed_rows) >= inputs.n_members


def _hops(sel: Mapping[str, Any], lang: str) -> str:
    t = translations(lang)
    h = int((sel.get("model") or {}).get("max_hops", 2) or 0)
    if h == 0:
        return t.gettext("any number of steps")
    return t.ngettext("one step of sharing", "{n} steps of sharing", h).format(n=h)


def headline_text(inputs: ReportInputs) -> str:
    """The headline sentence: segment size, our reach and the naive lists' reach, with ratios
    (no ratios when the comparison means nothing: every eligible member is a seed).

    >>> headline_text(ReportInputs.example(lang="en"))[:47]
    'Synthetic sample — 2 mothers posted in the wind'
    """
    t = translations(inputs.lang)
    _, ngettext = t.gettext, t.ngettext
    sel = inputs.selection
    k = len(inputs.seed_rows)
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    share = reach / inputs.n_members if inputs.n_members else 0.0
    text = ngettext(
        "One of the {people} posted in the window.",
        "{n} {people} posted in the window.",
        inputs.n_members,
    ).format(n=f"{inputs.n_members:,}", people=inputs.who)
    second = ngettext(
        "Word of mouth from this {k} seed user is expected to reach {reach} of them ({share}) within {hops}",
        "Word of mouth from these {k} seed users is expected to reach {reach} of them ({share}) "
        "within {hops}",
        k,
    ).format(k=k, reach=f"{reach:,.0f}", share=f"{share:.0%}", hops=_hops(sel, inputs.lang))
    text = _("{first} {second}").format(first=text, second=second)
    named = [b for b in _baselines(sel, inputs.lang) if b["method"] in ("followers", "pagerank")]
    if named and not _all_are_seeds(inputs):
        text += _("; under the same model ") + _(", ").join(
            _("the “{label}” list reaches {reach}").format(label=b["label"], reach=f"{b['reach']:,.0f}")
            + (_(" (ours ×{ratio})").format(ratio=f"{b['ratio']:.2f}") if b["ratio"] else "")
            for b in named
        )
    text += _(".")
    if inputs.synthetic:
        text = _("Synthetic sample — ") + text
    return text


def banners(inputs: ReportInputs) -> list[str]:
    """Plain warnings for the top of the page when a run's figures mean less than they seem:
    every eligible member is a seed (so comparisons mean nothing), or the segment is tiny.

    >>> from dataclasses import replace
    >>> ex = ReportInputs.example(lang="en")
    >>> banners(replace(ex, n_members=1))[0][:60]
    'Only one of the mothers was found, and 1 can be a seed: ever'
    """
    t = translations(inputs.lang)
    _, ngettext = t.gettext, t.ngettext
    n_eligible = int(inputs.selection.get("n_eligible", 0) or 0)
    out = []
    filters = set_filters((inputs.selection.get("params") or {}).get("eligibility"))
    if _all_are_seeds(inputs) and filters:
        names = _("; ").join(
            f"{_(_FILTER_LABELS[f]) if f in _FILTER_LABELS else f} {_filter_value(f, v, inputs.lang)}".strip()
            for f, v in filters.items()
        )
        out.append(
            _(
                "The seed filters of this run ({filters}) leave {e} of the {n} {people} who can be seeds: "
                "every one of them is on the list, so the comparison with the most-followers and PageRank "
                "lists means nothing here. Loosen the filters, or ask for fewer seeds (--k), for a real "
                "choice."
            ).format(filters=names, e=f"{n_eligible:,}", n=f"{inputs.n_members:,}", people=inputs.who)
        )
    elif _all_are_seeds(inputs):
        out.append(
            ngettext(
                "Only one of the {people} was found, and {e} can be a seed: ",
                "Only {n} {people} were found, and {e} of them can be seeds: ",
                inputs.n_members,
            ).format(n=f"{inputs.n_members:,}", e=f"{n_eligible:,}", people=inputs.who)
            + _(
                "every one of them is on the list, so the comparison with the most-followers and "
                "PageRank lists means nothing here (a list of everyone reaches the same people). "
                "Load more exports or a longer window (--window-days) for a real choice."
            )
        )
    if 0 < inputs.n_members < 30:
        out.append(
            _(
                "With so few {people}, every figure below rests on a handful of people: read them as "
                "examples, not as measurements."
            ).format(people=inputs.who)
        )
    return out


_PARAM_HELP = {
    "filter_counts": N_("members per seed filter: passed, left out, unknown (left out)"),
    "eligibility.min_followers": N_("filter: fewest followers a seed may have (unknown: left out)"),
    "eligibility.max_followers": N_("filter: most followers a seed may have (unknown: left out)"),
    "eligibility.min_engagement": N_(
        "filter: lowest engagement rate per post per follower (unknown: left out)"
    ),
    "eligibility.regions": N_("filter: provinces or cities a seed must be in (unknown: left out)"),
    "eligibility.gender": N_("filter: f or m (unknown: left out)"),
    "eligibility.exclude_verified": N_("filter: leave out every verified account"),
    "k": N_("number of seeds on the list"),
    "k_requested": N_("number of seeds asked for (fewer when fewer people are eligible)"),
    "epsilon": N_(
        "ε, the guarantee's slack: the list reaches at least (1 − 1/e − ε) ≈ 63% − ε of the "
        "best possible list's reach, with high probability"
    ),
    "delta": N_("chance that the guarantee does not hold"),
    "sample_size": N_("reverse-reachable sets sampled to choose the seeds (more sets, steadier list)"),
    "n_simulations": N_("Monte Carlo simulations used to measure each list's expected reach"),
    "graph_users": N_("people in the influence graph of the window"),
    "n_members": N_("members of the segment found in the window"),
    "excluded_as_bots": N_("members left out as bot-like"),
    "excluded_inactive": N_("members left out for too few posts in the window"),
    "excluded_unconfirmed": N_(
        "members left out: not confirmed in their own words (no first-person post or profile)"
    ),
    "excluded_businesses": N_("members left out as shops or sellers"),
    "excluded_otherwise": N_("members left out by the follower cap, verification or the filters"),
    "graph_edges": N_("who-spreads-whom links in the influence graph"),
    "kind_weights": N_("how much each kind of interaction counts toward a link's weight"),
    "model.probability": N_(
        "how likely a person is to pass a post on: 'wc' = a follower's share of "
        "attention (weighted cascade); 'uniform:P' = the same chance P for every link"
    ),
    "model.max_hops": N_("how many hops word of mouth travels (0 = no limit)"),
    "model.decay": N_("how much weaker each further hop is (1 = no weakening)"),
    "eligibility.min_score": N_("lowest segment score a seed may have"),
    "eligibility.follower_cap": N_("most followers a seed may have (no celebrities)"),
    "eligibility.exclude_verified_organisations": N_(
        "leave out verified organisations, brands, shops and media (blue V)"
    ),
    "eligibility.exclude_businesses": N_(
        "leave out shops, 微商 and 代购 (posts that sell, or a shop's profile)"
    ),
    "eligibility.require_confirmed": N_(
        "seeds only among members their own first-person words (我女儿…, 孕32周…) or profile confirm"
    ),
    "eligibility.bot_score_max": N_("highest bot score a seed may have"),
    "eligibility.min_posts": N_("fewest posts in the window a seed must have written"),
    "random_seed": N_("the random seed: the same data and seed give the same list"),
    "window": N_("the days of posts read"),
    "certified_ratio": N_(
        "proven lower bound: the list reaches at least this share of the best possible "
        "list's expected reach (with probability 1 − δ)"
    ),
    "target_ratio": N_("the share the guarantee aimed for, 1 − 1/e − ε"),
    "theta": N_("reverse-reachable sets the seeds were chosen on"),
    "theta_min": N_("fewest reverse-reachable sets the selector would use"),
    "theta_max": N_("most reverse-reachable sets the guarantee could need"),
    "theta_stop": N_("reverse-reachable sets at which the guarantee was met"),
    "iterations": N_("rounds of doubling the sample until the guarantee was met"),
    "rr_sets_total": N_("reverse-reachable sets drawn in all (selection and checking samples)"),
    "rr_entries": N_("people listed across all reverse-reachable sets (memory used)"),
    "memory_capped": N_(
        "whether the sample was cut short by the memory limit (then the guarantee may be weaker than asked)"
    ),
}
#: figures the run measured, shown apart from the settings
_DIAGNOSTICS = {
    "filter_counts",
    "graph_users",
    "graph_edges",
    "n_members",
    "excluded_as_bots",
    "excluded_inactive",
    "excluded_unconfirmed",
    "excluded_businesses",
    "excluded_otherwise",
    "certified_ratio",
    "target_ratio",
    "theta",
    "theta_min",
    "theta_max",
    "theta_stop",
    "iterations",
    "rr_sets_total",
    "rr_entries",
    "memory_capped",
    "k",
}


def members_note(
    segment: str,
    post_scorer: str,
    counts: Mapping[str, int],
    tags: Any,
    funnel: Mapping[str, Any] | None,
    lang: str = "en",
) -> str:
    """How the run found its members, in words (in ``lang``): the post scorer, members by kind of
    evidence (posts beyond chance, profile, both), the shops found among them, and the funnel
    from posts to members with the post model's prior and threshold.

    Example:
        >>> import pandas as pd
        >>> tags = pd.DataFrame({"business": [None, "3 of 4 posts sell (包邮)"]})
        >>> funnel = {"n_posts": 900, "n_relevant": 120, "n_positive_posts": 9, "n_authors": 7,
        ...           "prior": 0.06, "prior_estimated": True, "threshold": 0.83, "chance_rate": 0.013}
        >>> note = members_note("mothers", "classifier", {"posts": 1, "profile": 0, "both": 1}, tags,
        ...                     funnel)
        >>> "1 look like shops" in note, note.endswith("→ 7 authors → 2 members.")
        (True, True)
    """
    _ = translations(lang).gettext
    scorer = (
        _("post scores from the trained classifier models/{segment}.joblib").format(segment=segment)
        if post_scorer == "classifier"
        else _("post scores from the lexicon rules")
    )
    n = sum(counts.values())
    chance = (funnel or {}).get("chance_rate")
    chance_text = _(": {rate} of a non-member's posts pass").format(rate=f"{chance:.1%}") if chance else ""
    text = _(
        "Members: {n} tagged ({scorer}): {posts} by their posts (more positive posts than chance "
        "gives a non-member{chance}), {profile} by their profile alone, {both} by a positive post "
        "and their profile together."
    ).format(
        n=f"{n:,}",
        scorer=scorer,
        posts=f"{counts.get('posts', 0):,}",
        chance=chance_text,
        profile=f"{counts.get('profile', 0):,}",
        both=f"{counts.get('both', 0):,}",
    )
    if "business" in getattr(tags, "columns", ()):
        shops = int(tags["business"].map(lambda b: isinstance(b, str) and bool(b)).sum())
        text += _(" {n} look like shops or sellers (kept out of the seed list).").format(n=f"{shops:,}")
    if "confirmed_by" in getattr(tags, "columns", ()):
        how = tags["confirmed_by"].value_counts()
        if how.get("post", 0) or how.get("profile", 0) or how.get("unconfirmed", 0):
            text += _(
                " {post} are confirmed by a post in their own first-person words (我女儿…, 孕32周…) "
                "and {profile} more by their profile; {other} are not confirmed."
            ).format(
                post=f"{int(how.get('post', 0)):,}",
                profile=f"{int(how.get('profile', 0)):,}",
                other=f"{int(how.get('unconfirmed', 0)):,}",
            )
    if funnel:
        prior = funnel.get("prior")
        model = ""
        if prior is not None:
            how = (
                _("estimated from this window") if funnel.get("prior_estimated") else _("the model's default")
            )
            model = _(
                " (estimated share of segment posts among them {prior}, {how}; probability cut {cut})"
            ).format(prior=f"{prior:.1%}", how=how, cut=f"{funnel.get('threshold') or 0:.2f}")
        text += _(
            " Funnel: {posts} posts with own words → {relevant} pass the segment's prefilter → "
            "{positive} positive posts{model} → {authors} authors → {n} members."
        ).format(
            posts=f"{funnel.get('n_posts', 0):,}",
            relevant=f"{funnel.get('n_relevant', 0):,}",
            positive=f"{funnel.get('n_positive_posts', 0):,}",
            model=model,
            authors=f"{funnel.get('n_authors', 0):,}",
            n=f"{n:,}",
        )
    return text


def _fmt(v: Any, lang: str = "en") -> str:
    _ = translations(lang).gettext
    if v is None:
        return _("none")
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} {_fmt(x, lang)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(_fmt(x, lang) for x in v)
    return str(v)


def describe_parameters(
    selection: Mapping[str, Any], window_text: str = "", lang: str = "en"
) -> list[tuple[str, str, str]]:
    """Every parameter of a selection as (name, value, what it means in plain words).

    >>> rows = describe_parameters({"params": {"k": 100}, "model": {"max_hops": 2}, "random_seed": 7})
    >>> rows[0], [name for name, _, _ in rows]
    (('k', '100', 'number of seeds on the list'), ['k', 'model.max_hops', 'random_seed'])
    """
    _ = translations(lang).gettext
    rows: list[tuple[str, str, str]] = []
    flat: dict[str, Any] = {}
    for key, value in (selection.get("params") or {}).items():
        if isinstance(value, Mapping) and key == "eligibility":
            flat.update({f"eligibility.{a}": b for a, b in value.items()})
        else:
            flat[key] = value
    for key, value in (selection.get("model") or {}).items():
        flat[f"model.{key}"] = value
    for key in ("epsilon", "delta"):
        if key in selection and f"{key}" not in flat:
            flat[key] = selection[key]
    if "random_seed" in selection:
        flat["random_seed"] = selection["random_seed"]
    if window_text:
        flat["window"] = window_text
    order = list(_PARAM_HELP)
    for key in sorted(flat, key=lambda k: (order.index(k) if k in order else len(order), k)):
        value = _filter_count_text(flat[key], lang) if key == "filter_counts" else _fmt(flat[key], lang)
        rows.append((key, value, _(_PARAM_HELP[key]) if key in _PARAM_HELP else ""))
    return rows


def _filter_count_text(counts: Any, lang: str) -> str:
    """The members per seed filter as "located in: 141 passed, 370 left out, 3 unknown; …".

    >>> _filter_count_text([{"filter": "gender", "pass": 5, "fail": 2, "unknown": 1}], "en")
    'gender: 5 passed, 2 left out, 1 unknown'
    """
    _ = translations(lang).gettext
    if not isinstance(counts, list | tuple):
        return _fmt(counts, lang)
    return _("; ").join(
        _("{filter}: {passed} passed, {failed} left out, {unknown} unknown").format(
            filter=_(_FILTER_LABELS[n]) if (n := str(c.get("filter"))) in _FILTER_LABELS else n,
            passed=f"{int(c.get('pass', 0)):,}",
            failed=f"{int(c.get('fail', 0)):,}",
            unknown=f"{int(c.get('unknown', 0)):,}",
        )
        for c in counts
    )


def eligibility_text(selection: Mapping[str, Any], lang: str = "en") -> list[str]:
    """Who may be a seed, in plain words, from the selection's eligibility rules.

    >>> eligibility_text({"params": {"eligibility": {"follower_cap": 50000, "min_posts": 1}}})
    ['at most 50,000 followers (no celebrities)', 'wrote at least one post in the window']
    """
    t = translations(lang)
    _, ngettext = t.gettext, t.ngettext
    rules = (selection.get("params") or {}).get("eligibility") or {}
    out = []
    if rules.get("follower_cap") is not None:
        out.append(_("at most {n} followers (no celebrities)").format(n=f"{int(rules['follower_cap']):,}"))
    if rules.get("exclude_verified_organisations"):
        out.append(_("not a verified organisation, brand, shop or media account (blue V)"))
    if rules.get("exclude_businesses"):
        out.append(_("not a shop, 微商 or 代购 (posts that sell, or a shop's name or bio)"))
    if rules.get("require_confirmed"):
        out.append(
            _(
                "confirmed in their own words: a sentence of their own in the segment's "
                "first-person patterns (我女儿…, 孕32周…), not a quoted title, other people's "
                "children or a hypothetical, or a profile that says so"
            )
        )
    if rules.get("bot_score_max") is not None:
        out.append(_("not bot-like (bot score at most {x})").format(x=f"{float(rules['bot_score_max']):g}"))
    if rules.get("min_posts"):
        n = int(rules["min_posts"])
        out.append(
            ngettext(
                "wrote at least one post in the window", "wrote at least {n} posts in the window", n
            ).format(n=n)
        )
    if rules.get("min_score"):
        out.append(_("segment score at least {x}").format(x=f"{float(rules['min_score']):g}"))
    return out + _filter_lines(rules, lang)


def _filter_lines(rules: Mapping[str, Any], lang: str) -> list[str]:
    """The analyst's seed filters in plain words (graph.eligibility's own texts are English)."""
    _ = translations(lang).gettext
    out = []
    lo, hi = rules.get("min_followers"), rules.get("max_followers")
    if lo is not None or hi is not None:
        if hi is None:
            text = _("at least {lo} followers (unknown follower counts are left out)")
        elif lo is None:
            text = _("at most {hi} followers (unknown follower counts are left out)")
        else:
            text = _("{lo} to {hi} followers (unknown follower counts are left out)")
        out.append(text.format(lo=f"{int(lo or 0):,}", hi=f"{int(hi or 0):,}"))
    if rules.get("min_engagement") is not None:
        out.append(
            _("an engagement rate of at least {x} per post per follower (unknown rates are left out)").format(
                x=_filter_value("min_engagement", rules["min_engagement"], lang)
            )
        )
    if rules.get("regions"):
        where = _filter_value("regions", rules["regions"], lang)
        out.append(_("located in {where} (unknown locations are left out)").format(where=where))
    if rules.get("gender") in _GENDER_WORDS:
        who = _filter_value("gender", rules["gender"], lang)
        out.append(_("{who} only (unknown genders are left out)").format(who=who))
    if rules.get("exclude_verified"):
        out.append(_("no verified accounts at all, orange or blue V"))
    return out


def model_plain(selection: Mapping[str, Any], lang: str = "en") -> str:
    """The spreading model in one plain sentence.

    >>> model_plain({"model": {"probability": "uniform:0.1", "max_hops": 2}}).split(": ")[0]
    'Word of mouth spreads for up to 2 steps of sharing'
    >>> model_plain({"model": {"probability": "wc", "max_hops": 2}}, lang="zh")[:14]
    '口碑最多传 2 层转发：每个'
    """
    _ = translations(lang).gettext
    model = selection.get("model") or {}
    prob = str(model.get("probability", "wc"))
    if prob.startswith("uniform:"):
        how = _("each person passes a post on to each follower with the same chance, {p}").format(p=prob[8:])
    elif prob == "learned":
        how = _("each link's chance of passing a post on is learned from the reposts before the window")
    else:
        how = _(
            "each person passes a post on to a follower with a chance equal to that follower's share "
            "of attention (weighted cascade)"
        )
    decay = float(model.get("decay", 1.0) or 1.0)
    if decay != 1.0:
        how += _("; each further step is {d} times as strong as the one before").format(d=f"{decay:g}")
    return _("Word of mouth spreads for up to {hops}: {how}.").format(hops=_hops(selection, lang), how=how)


def _description(text: str, lang: str) -> str:
    """The segment description's lines in ``lang`` (a definition holds a Chinese and an English
    line); all of it when no line fits."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]

    def chinese(line: str) -> bool:
        return sum("\u4e00" <= ch <= "\u9fff" for ch in line) > 0.3 * len(line)

    picked = [ln for ln in lines if chinese(ln) == (lang == "zh")]
    return " ".join(picked or lines)


def _when(value: Any) -> str:
    """A post's time as "2026-10-21 07:05" (ISO text or datetime; other values as given)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = "" if value is None else str(value)
    if len(text) >= 16 and text[10] in "T ":
        return text[:10] + " " + text[11:16]
    return text


def _fmt_rate(v: Any) -> str:
    return "—" if v is None or v != v else f"{100 * float(v):.2f}%"


def _portrait(inputs: ReportInputs) -> dict[str, Any] | None:
    """The portrait section's charts and numbers, or None without a portrait."""
    p = inputs.portrait
    tr = translations(inputs.lang).gettext
    return portrait_view(p["segment"], p["seeds"], label=inputs.who, tr=tr) if p else None


#: the analyst's seed filters by name (graph/eligibility.py's names), as the report shows them
_FILTER_LABELS = {
    "min_followers": N_("followers at least"),
    "max_followers": N_("followers at most"),
    "min_engagement": N_("engagement rate at least"),
    "regions": N_("located in"),
    "gender": N_("gender"),
    "exclude_verified": N_("no verified accounts"),
}
_GENDER_WORDS = {"f": N_("women"), "m": N_("men")}


def _filter_value(name: str, value: Any, lang: str) -> str:
    """A filter's value in the reader's words: a rate as a percentage, f/m as women/men."""
    _ = translations(lang).gettext
    if name == "exclude_verified":
        return ""  # the label says it all
    if name == "min_engagement" and isinstance(value, int | float):
        return f"{100 * float(value):g}%"
    if name == "gender" and value in _GENDER_WORDS:
        return _(_GENDER_WORDS[value])
    if name == "regions" and isinstance(value, list | tuple):
        return _(" / ").join(str(v) for v in value)
    return _fmt(value, lang)


def _seed_filters(sel: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The run's seed filters and their member counts, named in ``lang`` (the code name kept
    beside each, as the command line and the parameters table spell it)."""
    _ = translations(lang).gettext
    params = sel.get("params") or {}

    def label(name: str) -> str:
        return _(_FILTER_LABELS[name]) if name in _FILTER_LABELS else name

    rules = set_filters(params.get("eligibility"))
    counts = params.get("filter_counts") or []
    return {
        "seed_filters": [(label(n), n, _filter_value(n, v, lang)) for n, v in rules.items()],
        "filter_counts": [{**f, "label": label(str(f.get("filter")))} for f in counts],
    }


def _window_text(inputs: ReportInputs) -> str:
    first = date.fromordinal(inputs.as_of.toordinal() - inputs.window_days + 1)
    return (
        translations(inputs.lang)
        .ngettext(
            "{n} day ending {end} ({start} to {end}, Beijing time)",
            "{n} days ending {end} ({start} to {end}, Beijing time)",
            inputs.window_days,
        )
        .format(n=inputs.window_days, start=first.isoformat(), end=inputs.as_of.isoformat())
    )


def _charts(inputs: ReportInputs) -> dict[str, str]:
    """The page's charts (plotly fragments), each empty when it has no data."""
    tr = translations(inputs.lang).gettext
    sel = inputs.selection
    method = sel.get("method", "ris")
    ours = tr(METHOD_LABELS[method]) if method in METHOD_LABELS else method
    curves: dict[str, list[tuple[int, float]]] = {
        ours: [(int(a), float(v)) for a, v in sel.get("reach_curve", [])]
    }
    for m, b in sorted((sel.get("baselines") or {}).items()):
        curves[tr(METHOD_LABELS[m]) if m in METHOD_LABELS else m] = [
            (int(a), float(v)) for a, v in b.get("reach_curve", [])
        ]
    label = inputs.who
    seed_followers = [r.get("followers") for r in inputs.seed_rows]
    return {
        "reach": charts.reach_curve_chart(curves, ours=ours, tr=tr) if any(curves.values()) else "",
        "over_time": charts.members_over_time_chart(inputs.member_days, label=label, tr=tr)
        if inputs.member_days
        else "",
        "words": charts.top_words_chart(inputs.top_words, tr=tr) if inputs.top_words else "",
        "followers": charts.follower_chart(inputs.member_followers, seed_followers, label=label, tr=tr)
        if inputs.member_followers
        else "",
        "cities": charts.city_chart(inputs.cities, label=label, tr=tr) if inputs.cities else "",
        "overlap": charts.overlap_chart(inputs.overlap["by_count"], label=label, tr=tr)
        if inputs.overlap and inputs.overlap.get("by_count")
        else "",
        "circles": charts.circles_picture(
            inputs.network["nodes"], inputs.network["edges"], seed=int(sel.get("random_seed", 0) or 0), tr=tr
        )
        if inputs.network and inputs.network.get("nodes")
        else "",
    }


def _filter_options(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The seed table's filter choices: regions (most seeds first) and circles."""
    regions: dict[str, int] = {}
    for r in rows:
        if r.get("city"):
            regions[str(r["city"])] = regions.get(str(r["city"]), 0) + 1
    circles = sorted({int(r["circle"]) for r in rows if r.get("circle") is not None})
    return {"regions": sorted(regions, key=lambda c: (-regions[c], c)), "circles": circles}


#: the run's steps as the pipeline records them (``run_steps``), in the analyst's words
STEP_NAMES = {
    "tag": N_("finding the audience (tagging posts)"),
    "graph, circles and selection": N_("the spreading graph, circles and seed selection"),
    "report": N_("the report"),
    "publish": N_("publishing the outputs"),
}


def step_times(steps: Sequence[tuple[str, float]], lang: str = DEFAULT_LANG) -> str:
    """How long each of the run's steps took, one phrase (empty when none was recorded).

    >>> step_times([("tag", 12.34), ("graph, circles and selection", 3.0)], "zh")
    '找出目标人群（给帖子打标签） 12.3 秒；传播关系图、圈子和种子挑选 3.0 秒'
    """
    _ = translations(lang).gettext
    return _("; ").join(
        _("{step} {seconds} s").format(
            step=_(STEP_NAMES[name]) if name in STEP_NAMES else name, seconds=f"{seconds:,.1f}"
        )
        for name, seconds in steps
    )


def render_report(inputs: ReportInputs) -> str:
    """Render the report to a self-contained HTML string (in ``inputs.lang``)."""
    t = translations(inputs.lang)
    _ = t.gettext
    sel = inputs.selection
    k = len(inputs.seed_rows)
    reach = float(sel.get("expected_reach", 0.0) or 0.0)
    method = sel.get("method", "ris")
    window_text = _window_text(inputs)
    chart = _charts(inputs)
    params = describe_parameters(sel, window_text, inputs.lang)
    label = inputs.who
    return (
        _env(inputs.lang)
        .get_template("report.html.j2")
        .render(
            lang=inputs.lang,
            html_lang="zh-CN" if inputs.lang == "zh" else "en",
            segment=inputs.segment,
            segment_title=label.capitalize() if label.isascii() else label,
            people=label,
            segment_description=_description(inputs.segment_description, inputs.lang),
            model_plain=model_plain(sel, inputs.lang),
            as_of=inputs.as_of.isoformat(),
            window_text=window_text,
            run_id=inputs.run_id,
            generated_at=inputs.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            synthetic=inputs.synthetic,
            banners=banners(inputs),
            all_are_seeds=_all_are_seeds(inputs),
            headline=headline_text(inputs),
            n_members=inputs.n_members,
            n_posts=inputs.n_posts,
            n_authors=inputs.n_authors,
            n_eligible=int(sel.get("n_eligible", 0) or 0),
            k=k,
            expected_reach=reach,
            expected_reach_stderr=float(sel.get("expected_reach_stderr", 0.0) or 0.0),
            reach_low=float(sel.get("expected_reach_low") or reach),
            reach_high=float(sel.get("expected_reach_high") or reach),
            spread=sel.get("spread"),
            reach_sample=int(sel.get("reach_sample") or 0),
            share=reach / inputs.n_members if inputs.n_members else 0.0,
            baselines=_baselines(sel, inputs.lang),
            top_words=[{"word": w, "count": c, "score": s} for w, c, s in inputs.top_words],
            top_words_text=_(", ").join(f"{w} ({c})" for w, c, _s in inputs.top_words[:30]),
            seeds=inputs.seed_rows,
            filters=_filter_options(inputs.seed_rows),
            has_bot=any(r.get("bot_score") is not None for r in inputs.seed_rows),
            fmt_rate=_fmt_rate,
            when=_when,
            n_cities=len({r.get("city") for r in inputs.seed_rows if r.get("city")}),
            n_circles=len({r.get("circle") for r in inputs.seed_rows if r.get("circle") is not None}),
            circles=inputs.circles,
            meetups=inputs.meetups,
            overlap=inputs.overlap,
            changes=inputs.changes,
            cities=inputs.cities,
            loads=inputs.loads,
            quarantine=[{"reason": reason_text(r, inputs.lang), "count": c} for r, c in inputs.quarantine],
            users_without_profile=inputs.users_without_profile,
            pending_interactions=inputs.pending_interactions,
            judged_on_unknown=int(sel.get("judged_on_unknown", 0) or 0),
            model_text=inputs.model_text,
            method_text=_(_METHOD_TEXT[method]) if method in _METHOD_TEXT else method,
            method_label=_(METHOD_LABELS[method]) if method in METHOD_LABELS else method,
            hops=_hops(sel, inputs.lang),
            guarantee=sel.get("guarantee", ""),
            eligibility=eligibility_text(sel, inputs.lang) or list(inputs.eligibility),
            random_seed=sel.get("random_seed"),
            params=[p for p in params if p[0] not in _DIAGNOSTICS or p[0] == "k"],
            diagnostics=[p for p in params if p[0] in _DIAGNOSTICS and p[0] != "k"],
            notes=list(inputs.notes),
            step_times=step_times(inputs.step_seconds, inputs.lang),
            segment_quality=quality_line(inputs.segment_status, label, inputs.lang)
            if inputs.segment_status
            else "",
            segment_notes=segment_notes(inputs.segment_status, inputs.lang) if inputs.segment_status else [],
            files=[(f, _(what)) for f, what in inputs.files],
            version=inputs.version,
            chart=chart,
            portrait=_portrait(inputs),
            **_seed_filters(sel, inputs.lang),
            plotly_js=charts.plotly_js() if any(chart.values()) else "",
        )
    )


def write_report(inputs: ReportInputs, path: str | Path) -> Path:
    """Render the report and write it to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(inputs), encoding="utf-8")
    return path
