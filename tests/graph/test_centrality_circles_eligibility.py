"""Centralities against networkx, circles on two cliques, eligibility rules."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from graph.build import build_influence_graph
from graph.centrality import rank_by_followers, rank_by_out_degree, rank_by_pagerank
from graph.communities import detect_circles, neighbourhood
from graph.convert import from_networkx, to_networkx
from graph.eligibility import EligibilityRules, judge_eligibility


def graph(edges):
    return build_influence_graph(pd.DataFrame(edges, columns=["src_user", "dst_user"]).assign(kind="repost"))


def test_pagerank_follows_influence_outwards_and_matches_networkx():
    g = graph([("hub", v) for v in "abcd"] + [("a", "b"), ("c", "hub")])
    ours = rank_by_pagerank(g)
    assert ours[0] == "hub"
    ref = nx.pagerank(to_networkx(g).reverse(copy=True), alpha=0.85, weight="weight")
    assert ours == sorted(ref, key=lambda n: (-round(ref[n], 9), n))
    assert rank_by_pagerank(g, among=["a", "b"]) == ["a", "b"]


def test_degree_and_followers_rankings_break_ties_by_id():
    g = graph([("b", "x"), ("a", "y"), ("c", "x"), ("c", "y")])
    assert rank_by_out_degree(g, among=["a", "b", "c"]) == ["c", "a", "b"]
    assert rank_by_followers({"a": 5, "b": None, "c": 5, "d": 100}) == ["d", "a", "c", "b"]


def test_circles_split_two_cliques_and_are_seeded():
    edges = [(a, b) for a in "abcd" for b in "abcd" if a != b]
    edges += [(a, b) for a in "wxyz" for b in "wxyz" if a != b] + [("d", "w")]
    g = graph(edges)
    c = detect_circles(g, seed=3)
    assert len({c[v] for v in "abcd"}) == 1 and len({c[v] for v in "wxyz"}) == 1
    assert c["a"] != c["w"]
    assert c == detect_circles(g, seed=3)


def test_circles_around_members_cover_only_their_neighbourhood():
    # a chain m - a - b - c - d: within two hops of m are m, a, b
    g = graph([("m", "a"), ("a", "b"), ("c", "b"), ("c", "d")])
    assert sorted(detect_circles(g, seed=1, around=["m"], hops=2)) == ["a", "b", "m"]
    assert sorted(detect_circles(g, seed=1, around=["m", "nobody"], hops=0)) == ["m"]
    assert detect_circles(g, seed=1, around=["nobody"]) == {}
    assert sorted(g.vs[v]["name"] for v in neighbourhood(g, ["d"], 1)) == ["c", "d"]
    assert g.vcount() == 5  # the search's temporary vertex went on a copy


def test_circles_on_the_neighbourhood_match_the_whole_graph_there():
    edges = [(a, b) for a in "abcd" for b in "abcd" if a != b]
    edges += [(a, b) for a in "wxyz" for b in "wxyz" if a != b] + [("d", "w")]
    g = graph(edges)
    whole, near = detect_circles(g, seed=3), detect_circles(g, seed=3, around=["a"], hops=2)
    assert set(near) == set("abcdw")
    assert len({near[v] for v in "abcd"}) == 1 and len({whole[v] for v in "abcd"}) == 1


def test_circles_refuse_zero_iterations():
    with pytest.raises(ValueError, match=r"n_iterations must be -1 \(until stable\) or at least 1; got 0"):
        detect_circles(graph([("a", "b")]), n_iterations=0)
    with pytest.raises(ValueError, match="hops must be 0 or more; got -1"):
        detect_circles(graph([("a", "b")]), around=["a"], hops=-1)


def test_networkx_round_trip_keeps_names_and_weights():
    g = graph([("a", "b"), ("b", "c")])
    back = from_networkx(to_networkx(g))
    assert back.vs["name"] == ["a", "b", "c"] and back.es["weight"] == [1.0, 1.0]


def test_eligibility_rules_and_unknown_fields():
    members = pd.DataFrame(
        {"user_id": ["ok", "celeb", "brand", "ghost", "low"], "score": [0.9, 0.9, 0.9, 0.9, 0.1]}
    )
    profiles = pd.DataFrame(
        {
            "user_id": ["ok", "celeb", "brand", "low"],
            "followers": [300, 2_000_000, 800, None],
            "verified": [False, True, True, False],
            "verified_type": [-1, 0, 2, -1],
        }
    )
    out = judge_eligibility(members, profiles, EligibilityRules(min_score=0.5)).set_index("user_id")
    assert out["eligible"].to_dict() == {
        "ok": True,
        "celeb": False,
        "brand": False,
        "ghost": True,
        "low": False,
    }
    assert out.loc["celeb", "excluded_by"] == "2,000,000 followers > 50,000"
    assert out.loc["brand", "excluded_by"] == "verified organisation"
    assert out.loc["ghost", "unknown_fields"] == "followers,verified"
    assert out.loc["low", "unknown_fields"] == "followers"
    with pytest.raises(ValueError, match=r"follower_cap must be a positive number.*got 0"):
        EligibilityRules(follower_cap=0)


def test_businesses_are_excluded_with_the_reason():
    """Members whose posts or profile sell (the tags' ``business`` column, nlp.commerce) are not
    ordinary: kept out of the seeds by default, with why; ``exclude_businesses=False`` keeps them."""
    members = pd.DataFrame(
        {
            "user_id": ["mum", "shop", "shop_celeb", "nan_mum"],
            "score": [0.9, 0.9, 0.9, 0.9],
            "business": [None, "3 of 4 posts sell (现货)", "screen name names a shop (母婴店)", float("nan")],
        }
    )
    profiles = pd.DataFrame(
        {
            "user_id": ["mum", "shop", "shop_celeb", "nan_mum"],
            "followers": [300, 800, 90_000, 10],
            "verified": [False, False, False, False],
            "verified_type": [-1, -1, -1, -1],
        }
    )
    out = judge_eligibility(members, profiles, EligibilityRules()).set_index("user_id")
    assert out["eligible"].to_dict() == {"mum": True, "shop": False, "shop_celeb": False, "nan_mum": True}
    assert out.loc["shop", "excluded_by"] == "business (3 of 4 posts sell (现货))"
    assert out.loc["shop_celeb", "excluded_by"] == (
        "business (screen name names a shop (母婴店)); 90,000 followers > 50,000"
    )
    assert out.loc["mum", "excluded_by"] == "" and out.loc["nan_mum", "excluded_by"] == ""
    kept = judge_eligibility(members, profiles, EligibilityRules(exclude_businesses=False)).set_index(
        "user_id"
    )
    assert kept["eligible"].to_dict() == {"mum": True, "shop": True, "shop_celeb": False, "nan_mum": True}
    assert kept.loc["shop_celeb", "excluded_by"] == "90,000 followers > 50,000"
    assert any("微商" in line for line in EligibilityRules().describe())
    assert not any("微商" in line for line in EligibilityRules(exclude_businesses=False).describe())
    # members without a business column (tags from before issue 16) are judged as before
    plain = judge_eligibility(members.drop(columns="business"), profiles, EligibilityRules())
    assert plain["eligible"].tolist() == [True, True, False, True]


def test_unconfirmed_members_are_not_seeds_unless_asked():
    """Members their own first-person words or profile do not confirm (the tags' ``confirmed_by``,
    nlp.tagger) are kept out by default, with why; a None (not recorded) passes and is counted as
    unknown; ``require_confirmed=False`` keeps everyone; tags without the column are not judged."""
    members = pd.DataFrame(
        {
            "user_id": ["post", "profile", "segment", "no", "old"],
            "score": [0.9] * 5,
            "confirmed_by": ["post", "profile", "segment", "unconfirmed", None],
        }
    )
    profiles = pd.DataFrame(
        {
            "user_id": members["user_id"],
            "followers": [10] * 5,
            "verified": [False] * 5,
            "verified_type": [-1] * 5,
        }
    )
    out = judge_eligibility(members, profiles, EligibilityRules()).set_index("user_id")
    assert out["eligible"].to_dict() == {
        "post": True,
        "profile": True,
        "segment": True,
        "no": False,
        "old": True,
    }
    assert out.loc["no", "excluded_by"] == "not confirmed in their own words"
    assert out.loc["old", "unknown_fields"] == "confirmed" and out.loc["post", "unknown_fields"] == ""
    loose = judge_eligibility(members, profiles, EligibilityRules(require_confirmed=False))
    assert loose["eligible"].all() and (loose["unknown_fields"] == "").all()
    assert judge_eligibility(members.drop(columns="confirmed_by"), profiles, EligibilityRules())[
        "eligible"
    ].all()
    assert any("first-person" in line for line in EligibilityRules().describe())
    assert not any("first-person" in line for line in EligibilityRules(require_confirmed=False).describe())
