"""One pipeline run's selection: from the window's tables to the seeds and what was decided
about each member (the select step of :mod:`flows.steps` reads the tables, calls
:func:`select_for_run` and writes the result).

It builds the influence graph of the window (learned edge probabilities when asked), scores
the members for bot-likeness, judges their eligibility (the analyst's filters included), finds
the circles and selects the seeds; the reach, the adds and the seeds' overlap all come from one
sample (:func:`graph.select.select_amplifiers`).

Example (b reposts a, c reposts a: a reaches both; everyone is a member):
    >>> import pandas as pd
    >>> tags = pd.DataFrame({"user_id": ["a", "b", "c"], "score": [0.9] * 3, "n_hits": [2, 1, 1],
    ...                      "business": [False] * 3})
    >>> edges = pd.DataFrame({"src_user": ["a", "a"], "dst_user": ["b", "c"], "kind": ["repost"] * 2})
    >>> profiles = pd.DataFrame({"user_id": ["a", "b", "c"], "followers": [10, 5, 5],
    ...                          "location": [None] * 3, "city": ["上海", None, None]})
    >>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "user_id": ["a", "b", "c"],
    ...                       "created_at": pd.to_datetime(["2026-11-10"] * 3, utc=True),
    ...                       "text": ["宝宝", "宝宝", "宝宝"], "repost_of": [None, "1", "1"]})
    >>> opts = SelectOptions(k=1, theta_min=500, n_simulations=20)
    >>> run = select_for_run(tags, edges, profiles, posts, opts, segment="mothers", window_days=30)
    >>> run.selection.seed_ids, run.selection.seeds[0].city, run.selection.segment
    (['a'], '上海', 'mothers')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import igraph as ig
import pandas as pd

from graph._columns import among
from graph.bots import bot_scores
from graph.build import build_influence_graph
from graph.communities import detect_circles
from graph.diffusion import DiffusionModel
from graph.eligibility import (
    engagement_rates,
    exclusion_summary,
    filter_counts,
    judge_eligibility,
)
from graph.options import EligibilityRules, SelectOptions
from graph.rule_checks import rule_checks
from graph.select import SeedSelection, select_amplifiers

__all__ = ["RunSelection", "SelectOptions", "describe_selection", "exclusion_counts", "select_for_run"]


@dataclass(frozen=True)
class RunSelection:
    """A run's selection and what it decided: the graph, each member's eligibility
    (:func:`graph.eligibility.judge_eligibility`) and bot score (:func:`graph.bots.bot_scores`),
    the circles and cities."""

    selection: SeedSelection
    graph: ig.Graph
    members: list[str]
    judged: pd.DataFrame
    activity: pd.DataFrame
    circles: dict[str, int]
    cities: dict[str, str | None]
    n_hits: dict[str, int]
    #: eligibility rules on profile fields and whether the members' data let them apply
    #: (:func:`graph.rule_checks.rule_checks`)
    rule_checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def users(self) -> list[str]:
        """Everyone the run decided something about: the graph's users, then the members."""
        return [*self.graph.vs["name"], *self.members]

    def document(self) -> dict[str, Any]:
        """The selection as stored (``selections``, ``seeds.json``), with the rule checks (a rule
        no member's data let apply is said, not silently passed)."""
        return {**self.selection.to_dict(), "rule_checks": self.rule_checks}

    def seeds_frame(self, explain: Callable[..., str]) -> pd.DataFrame:
        """The rows of the ``seeds`` table, each with the reason ``explain`` gives
        (:func:`report.seedlist.explain_seed`'s keywords)."""
        seeds = self.selection.seeds
        reasons = [
            explain(
                marginal_reach=s.marginal_reach,
                cumulative_reach=s.cumulative_reach,
                n_hits=int(self.n_hits.get(s.user_id, 0)),
                circle=s.circle,
                city=s.city,
                segment_label=self.selection.segment,
            )
            for s in seeds
        ]
        return pd.DataFrame(
            {
                "segment": self.selection.segment,
                "rank": [s.rank for s in seeds],
                "user_id": [s.user_id for s in seeds],
                "marginal_reach": [s.marginal_reach for s in seeds],
                "cumulative_reach": [s.cumulative_reach for s in seeds],
                "community": [s.circle for s in seeds],
                "reason": reasons,
            }
        )


def _influence_graph(
    edges: pd.DataFrame, members: list[str], options: SelectOptions, history: pd.DataFrame | None
) -> ig.Graph:
    graph = build_influence_graph(edges, dict(options.kind_weights), extra_users=members)
    if options.probability == "learned":  # p(u→v) from the repost history before the window ends
        from graph.learned import attach_probabilities, learn_from_posts

        if history is None:
            raise ValueError("probability 'learned' needs the repost history (history=...); got none")
        learned = learn_from_posts(history, estimator=options.learned_estimator, prior=options.learned_prior)
        attach_probabilities(graph, learned)
    return graph


def select_for_run(
    tags: pd.DataFrame,
    edges: pd.DataFrame,
    profiles: pd.DataFrame,
    posts: pd.DataFrame,
    options: SelectOptions,
    *,
    segment: str = "",
    as_of: date | None = None,
    window_days: int | None = None,
    history: pd.DataFrame | None = None,
) -> RunSelection:
    """Select the seeds of one run among the tagged members ``tags`` (``user_id``, ``score``,
    ``n_hits``, ``business``, ``confirmed_by``), on the window's ``edges`` (interactions),
    ``profiles`` (with the places the caller read, ``city`` and ``place_names``:
    :func:`store.places.place_columns`;
    ``followers``, … as stored) and ``posts`` (only the members' are read: the caller may pass
    just theirs); ``history`` is the repost history
    the ``learned`` probability learns from. Same inputs and ``options.seed``, same seeds.
    ``edges``, ``posts`` and ``history`` are not kept past their use: a caller that passes them
    without keeping them lets their memory go before the seeds are chosen."""
    if tags.empty:
        raise ValueError(
            f"no {segment} members were tagged in the {window_days} days ending {as_of}; "
            "check the exports cover that window, or pick another --as-of"
        )
    members = tags["user_id"].tolist()
    graph = _influence_graph(edges, members, options, history)
    # the inputs are let go once used (a caller that handed them over keeps no other reference:
    # at 1M users the window's edges and the members' posts weigh half a GB)
    del edges, history
    theirs = among(posts["user_id"], tags["user_id"])
    members_posts = posts if theirs.all() else posts[theirs]  # no copy of the texts when all are theirs
    activity = bot_scores(members_posts, profiles, users=members)
    rules = options.eligibility
    counts = zip(profiles["user_id"].tolist(), profiles["followers"].tolist(), strict=True)
    followers = {u: (None if pd.isna(f) else int(f)) for u, f in counts}
    rates = engagement_rates(members_posts, followers) if rules.min_engagement is not None else None
    del posts, members_posts
    judged = judge_eligibility(
        tags[[c for c in ("user_id", "score", "business", "confirmed_by") if c in tags.columns]],
        profiles,
        rules,
        activity,
        rates,
    )
    eligible = judged.loc[judged["eligible"], "user_id"].tolist()
    if not eligible:
        raise ValueError(
            f"no {segment} member is eligible as a seed ({len(judged)} members; left out: "
            f"{exclusion_summary(judged)}); loosen the filters (--min-followers, --region, …) "
            "or widen the window"
        )
    # circles only where spread can reach: the members and their max_hops neighbourhood
    circles = detect_circles(graph, seed=options.seed, around=members, hops=options.max_hops)
    # a missing place is None, not pandas' NaN (a float would reach the seeds' reasons and files)
    places = zip(profiles["user_id"].tolist(), profiles["city"].tolist(), strict=True)
    cities = {u: c if isinstance(c, str) and c else None for u, c in places}
    k = min(options.k, len(eligible)) if eligible else options.k
    selection = select_amplifiers(
        graph,
        targets=members,
        eligible=eligible,
        k=k,
        method=options.method,
        model=DiffusionModel(options.probability, options.max_hops, options.decay),
        seed=options.seed,
        epsilon=options.epsilon,
        theta_min=options.theta_min,
        rr_per_target=options.rr_per_target,
        n_simulations=options.n_simulations,
        followers=followers,
        unknown_fields=dict(zip(judged["user_id"].tolist(), judged["unknown_fields"].tolist(), strict=True)),
        threads=options.threads,
        circles=circles,
    ).with_context(
        segment=segment,
        as_of=as_of,
        window_days=window_days,
        circles=circles,
        cities=cities,
        params={
            "eligibility": options.eligibility.as_dict(),
            "kind_weights": dict(options.kind_weights),
            "k_requested": options.k,
            "graph_users": graph.vcount(),
            "graph_edges": graph.ecount(),
            **exclusion_counts(judged),
            "n_members": len(members),
            "filter_counts": filter_counts(judged),
        },
    )
    return RunSelection(
        selection=selection,
        graph=graph,
        members=members,
        judged=judged,
        activity=activity,
        circles=circles,
        cities=cities,
        n_hits=dict(zip(tags["user_id"].tolist(), tags["n_hits"].tolist(), strict=True)),
        rule_checks=rule_checks(judged, rules),
    )


#: the reasons of ``judge_eligibility`` the run counts apart, by the selection's param
_COUNTED_REASONS = {
    "excluded_as_bots": "bot-like",
    "excluded_inactive": "posts in the window",
    "excluded_unconfirmed": "not confirmed in their own words",
    "excluded_businesses": "business (",
}


def exclusion_counts(judged: pd.DataFrame) -> dict[str, int]:
    """How many members each rule counted apart left out (:data:`_COUNTED_REASONS`; a member
    left out for two counts under both), and ``excluded_otherwise``: those left out for none of
    them (the follower cap, verification, the filters).

    >>> why = ["", "bot-like (score 0.9); verified organisation", "filter: x"]
    >>> judged = pd.DataFrame({"eligible": [True, False, False], "excluded_by": why})
    >>> exclusion_counts(judged)["excluded_as_bots"], exclusion_counts(judged)["excluded_otherwise"]
    (1, 1)
    """
    why = judged["excluded_by"].astype(str)
    counted = pd.Series(False, index=why.index)
    out = {}
    for param, reason in _COUNTED_REASONS.items():
        hit = why.str.contains(reason, regex=False)
        out[param] = int(hit.sum())
        counted |= hit
    out["excluded_otherwise"] = int((~judged["eligible"].astype(bool) & ~counted).sum())
    return out


def describe_selection(selection: Mapping[str, Any]) -> tuple[list[str], str]:
    """The eligibility rules and the spread model of a stored selection (its ``params`` and
    ``model``), in words an analyst reads; a selection from an older version whose values no
    longer fit the rules or the model is described as it stands, name by name.

    >>> describe_selection({"params": {"eligibility": {"colour": "red"}}, "model": {"max_hops": "x"}})
    (['colour: red'], 'max_hops x')
    """
    params = selection.get("params") or {}
    try:
        eligibility = EligibilityRules(**params.get("eligibility", {})).describe()
    except TypeError:
        eligibility = [f"{k}: {v}" for k, v in (params.get("eligibility") or {}).items()]
    model = selection.get("model") or {}
    try:
        model_text = DiffusionModel(**model).describe()
    except (TypeError, ValueError):
        model_text = ", ".join(f"{k} {v}" for k, v in model.items())
    return eligibility, model_text
