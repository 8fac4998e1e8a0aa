"""The analyst's seed filters (issue 19 point 10): each keeps only the people it can check, an
unknown value leaves the person out and is counted as unknown, and bad values say what to do."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.settings import Settings
from graph.eligibility import (
    EligibilityRules,
    engagement_rates,
    exclusion_summary,
    filter_counts,
    gender_of,
    judge_eligibility,
    region_matches,
)
from store.places import parse_place, place_columns

# a: Guangzhou woman, 800 followers; b: Shanghai man, 20k, verified person (orange V);
# c: an IP location "广东" only, gender unknown, followers unknown; d: no profile row at all
MEMBERS = pd.DataFrame({"user_id": list("abcd"), "score": [0.9, 0.8, 0.7, 0.6]})
# the places as the select step gives them (store.places: this room does not read locations)
PROFILES = place_columns(
    pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "followers": [800, 20_000, None],
            "verified": [False, True, None],
            "verified_type": [-1, 0, None],
            "location": ["广东 广州", "上海", "广东"],
            "gender": ["f", "男", None],
        }
    )
)


def judge(**filters):
    rules = EligibilityRules(follower_cap=None, exclude_verified_organisations=False, **filters)
    return judge_eligibility(MEMBERS, PROFILES, rules).set_index("user_id")


def test_no_filter_keeps_everyone():
    assert judge()["eligible"].all()


@pytest.mark.parametrize(
    ("filters", "kept", "unknown"),
    [
        ({"min_followers": 1_000}, ["b"], ["c", "d"]),
        ({"max_followers": 1_000}, ["a"], ["c", "d"]),
        ({"regions": ("广东",)}, ["a", "c"], ["d"]),
        ({"regions": Settings(regions=("广州市", "上海")).regions}, ["a", "b"], ["d"]),
        ({"gender": "f"}, ["a"], ["c", "d"]),
        ({"gender": "m"}, ["b"], ["c", "d"]),
        ({"exclude_verified": True}, ["a"], ["c", "d"]),
    ],
)
def test_each_filter_keeps_those_it_can_check(filters, kept, unknown):
    j = judge(**filters)
    assert sorted(j.index[j["eligible"]]) == kept
    outcome = {u: next(iter(f.values())) for u, f in j["filters"].items()}
    assert sorted(u for u, o in outcome.items() if o == "unknown") == unknown
    counts = filter_counts(j.reset_index())
    assert counts[0]["pass"] + counts[0]["fail"] + counts[0]["unknown"] == len(MEMBERS)


def test_engagement_filter_reads_the_rates_and_leaves_unknown_rates_out():
    posts = pd.DataFrame(
        {"user_id": ["a", "a", "b"], "reposts": [10, 6, 100], "comments": [0, 0, 0], "likes": [0, None, 0]}
    )
    rates = engagement_rates(posts, {"a": 800, "b": 20_000, "c": None})
    assert rates == {"a": pytest.approx(0.01), "b": pytest.approx(0.005)}
    rules = EligibilityRules(follower_cap=None, min_engagement=0.008)
    j = judge_eligibility(MEMBERS, PROFILES, rules, engagement=rates).set_index("user_id")
    assert list(j.index[j["eligible"]]) == ["a"]
    assert j.loc["c", "filters"] == {"min_engagement": "unknown"}
    assert "engagement rate below the minimum" in j.loc["b", "excluded_by"]


def test_the_rules_are_recorded_and_described():
    rules = EligibilityRules(min_followers=100, max_followers=5_000, regions=["广东", " "], gender="f")
    assert rules.regions == ("广东",)
    assert rules.as_dict()["regions"] == ["广东"]
    assert EligibilityRules(**rules.as_dict()) == rules  # how a run's params come back
    text = " ".join(rules.describe())
    assert "100 to 5,000 followers" in text and "广东" in text and "gender f" in text
    assert rules.filters == {
        "min_followers": 100,
        "max_followers": 5_000,
        "regions": ("广东",),
        "gender": "f",
    }


@pytest.mark.parametrize(
    ("filters", "match"),
    [
        (
            {"min_followers": 500, "max_followers": 100},
            r"min_followers \(500\) is above max_followers \(100\)",
        ),
        ({"min_followers": -1}, "min_followers must be a whole number of followers >= 0; got -1"),
        ({"min_engagement": -0.1}, r"min_engagement must be a rate >= 0 \(0.02 = 2%"),
        ({"gender": "x"}, "gender must be f or m"),
    ],
)
def test_bad_filters_say_what_was_expected(filters, match):
    with pytest.raises(ValueError, match=match):
        EligibilityRules(**filters)


def test_helpers_read_what_exports_write():
    assert [gender_of(g) for g in ("F", "female", "女", "男", "x", None)] == ["f", "f", "f", "m", None, None]
    assert region_matches(parse_place("广西壮族自治区 南宁").names, ("广西",)) is True
    assert region_matches(parse_place("海外 美国").names, ("广东",)) is False
    assert region_matches(parse_place("  ").names, ("广东",)) is None
    why = exclusion_summary(judge(gender="f").reset_index())
    assert why.startswith("filter: gender unknown 2")


def test_a_region_filter_without_the_places_says_how_to_add_them():
    rules = EligibilityRules(regions=("广东",))
    with pytest.raises(ValueError, match=r"expected a place_names column.*store.places.place_columns"):
        judge_eligibility(MEMBERS, PROFILES.drop(columns="place_names"), rules)
