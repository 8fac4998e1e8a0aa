"""SNAP edge lists and the bot score."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.bots import bot_scores
from graph.eligibility import EligibilityRules, judge_eligibility
from graph.snap import parse_snap_edges, read_snap_edges


def test_snap_keeps_labels_as_text_and_drops_loops_and_duplicates(tmp_path):
    text = "# Directed graph\n# FromNodeId\tToNodeId\n007 8\n8\t9\n007 8\n9 9\nabc 007 extra\n\n"
    plain = tmp_path / "g.txt"
    plain.write_text(text)
    packed = tmp_path / "g.txt.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write(text)
    for path in (plain, packed):
        e = read_snap_edges(path)
        assert e.labels == ["007", "8", "9", "abc"]
        assert list(zip(e.src.tolist(), e.dst.tolist(), strict=True)) == [(0, 1), (1, 2), (3, 0)]
        assert (e.dropped_self_loops, e.dropped_duplicates) == (1, 1)
    assert parse_snap_edges(text.splitlines()).labels == ["007", "8", "9", "abc"]


def test_snap_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n3\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: expected two node labels 'src dst'.*got '3'"):
        read_snap_edges(bad)
    with pytest.raises(FileNotFoundError, match=r"nope.txt: no such edge-list file"):
        read_snap_edges(tmp_path / "nope.txt")


def _posts(rows):
    return pd.DataFrame(rows, columns=["post_id", "user_id", "created_at", "text", "repost_of"])


def test_bot_score_explains_each_signal_and_spares_ordinary_users():
    t = pd.Timestamp("2026-11-01 08:00", tz="Asia/Shanghai")
    s = pd.Timedelta(seconds=1)
    rows = [
        (f"b{i}", "bot", t + 3 * i * s, "转发微博" if i % 2 else "//@x:好物推荐", f"p{i}") for i in range(10)
    ]
    rows += [(f"d{i}", "dup", t + pd.Timedelta(hours=i), "宝宝满月啦，求点赞", None) for i in range(5)]
    rows += [(f"m{i}", "mum", t + pd.Timedelta(hours=5 * i), f"宝宝今天第{i}次翻身", None) for i in range(5)]
    rows += [("f1", "few", t, "转发微博", "p0")]
    profiles = pd.DataFrame(
        {"user_id": ["bot", "mum", "follower"], "followers": [3, 300, 10], "following": [2000, 250, 1500]}
    )
    out = bot_scores(_posts(rows), profiles, users=["silent"]).set_index("user_id")
    assert out.loc["bot", "bot_score"] == pytest.approx(0.875)  # all but duplicates (50%)
    assert "100% of 10 posts are reposts" in out.loc["bot", "bot_reasons"]
    assert "9 posts within 10 s" in out.loc["bot", "bot_reasons"]
    assert "follows 2,000 but has 3 followers" in out.loc["bot", "bot_reasons"]
    assert out.loc["dup", "bot_score"] == pytest.approx(0.25 / 0.8)  # duplicates only, ratio unknown
    assert "repeat another of their posts" in out.loc["dup", "bot_reasons"]
    assert out.loc["mum", "bot_score"] == 0.0 and out.loc["mum", "bot_reasons"] == ""
    assert out.loc["few", "bot_score"] == 0.0  # one post: too little to judge
    assert out.loc["silent", "n_posts"] == 0

    members = pd.DataFrame({"user_id": ["bot", "dup", "mum", "silent"], "score": [0.9] * 4})
    judged = judge_eligibility(members, profiles, EligibilityRules(), out.reset_index())
    judged = judged.set_index("user_id")
    assert judged["eligible"].to_dict() == {"bot": False, "dup": True, "mum": True, "silent": False}
    assert judged.loc["bot", "excluded_by"].startswith("bot-like (score 0.88: 100% of 10 posts")
    assert judged.loc["silent", "excluded_by"] == "0 posts in the window < 1"
    assert "following" in judged.loc["dup", "unknown_fields"]  # ratio unknown: passes, counted
    assert judged.loc["mum", "unknown_fields"] == "verified"
    with pytest.raises(ValueError, match=r"bot_score_max must be between 0 and 1 or None; got 2"):
        EligibilityRules(bot_score_max=2)
    with pytest.raises(ValueError, match=r"posts need columns .* missing 'repost_of'"):
        bot_scores(_posts(rows).drop(columns="repost_of"))


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=40),
    zero_pad=st.booleans(),
    sep=st.sampled_from([" ", "\t", "  ", " \t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    comment=st.booleans(),
)
def test_bulk_reader_matches_the_line_parser(tmp_path_factory, edges, zero_pad, sep, newline, comment):
    """The vectorised reader (integer and text labels) gives exactly what the plain line parser
    gives: same labels in the same order, same edges, same dropped counts."""
    fmt = "{:03d}" if zero_pad else "{}"
    lines = (["# Directed graph", "# FromNodeId\tToNodeId"] if comment else []) + [
        fmt.format(a) + sep + fmt.format(b) for a, b in edges
    ]
    text = newline.join(lines) + newline
    path = tmp_path_factory.mktemp("snap") / "g.txt"
    path.write_bytes(text.encode())
    got, want = read_snap_edges(path), parse_snap_edges(text.splitlines())
    assert got.labels == want.labels
    assert got.src.tolist() == want.src.tolist() and got.dst.tolist() == want.dst.tolist()
    assert (got.dropped_self_loops, got.dropped_duplicates) == (
        want.dropped_self_loops,
        want.dropped_duplicates,
    )
