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


def _bot_scores_per_user(posts, profiles=None, *, min_posts=3, users=None):
    """The per-user implementation bot_scores replaced (one pandas group at a time): the reference
    its vectorised counts must equal exactly (scores, signals, reasons, order, dtypes)."""
    import numpy as np

    from graph.bots import _BURST_SECONDS, _EMPTY_REPOSTS, BOT_WEIGHTS, _own_text

    def follow_signal(following, followers):
        if following is None or followers is None or pd.isna(following) or pd.isna(followers):
            return None
        follows, fans = float(following), float(followers)
        if follows < 200:
            return 0.0
        return float(min(1.0, max(0.0, (follows / max(fans, 1.0) - 2) / 18)))

    prof = None
    if profiles is not None and len(profiles) and {"followers", "following"} <= set(profiles.columns):
        prof = profiles.drop_duplicates("user_id").set_index("user_id")[["followers", "following"]]
    df = posts[["user_id", "created_at", "text", "repost_of"]].copy()
    df["user_id"] = df["user_id"].astype(str)
    df["own"] = [_own_text(t) for t in df["text"]]
    is_repost = df["repost_of"].notna() & (df["repost_of"].astype(str).str.len() > 0)
    df["repost_only"] = is_repost & df["own"].str.lower().isin(_EMPTY_REPOSTS)
    df = df.sort_values(["user_id", "created_at"], kind="stable")
    gap = df.groupby("user_id")["created_at"].diff().dt.total_seconds()
    df["burst"] = gap.notna() & (gap <= _BURST_SECONDS)
    df["dup"] = (df["own"].str.len() > 0) & df.duplicated(["user_id", "own"], keep=False)
    rows = []
    everyone = list(dict.fromkeys([*df["user_id"].unique().tolist(), *(users or [])]))
    groups = {u: g for u, g in df.groupby("user_id", sort=False)}
    for user in everyone:
        g = groups.get(user)
        n = 0 if g is None else len(g)
        signals, reasons = {}, []
        if g is not None and n >= min_posts:
            ro, dup = float(g["repost_only"].mean()), float(g["dup"].mean())
            burst = float(g["burst"].sum() / max(n - 1, 1))
            signals.update(repost_only=ro, duplicates=dup, bursts=burst)
            if ro >= 0.5:
                reasons.append(f"{ro:.0%} of {n} posts are reposts with no words of their own")
            if dup >= 0.3:
                reasons.append(f"{dup:.0%} of posts repeat another of their posts word for word")
            if burst >= 0.3:
                reasons.append(f"{int(g['burst'].sum())} posts within {_BURST_SECONDS} s of the previous")
        else:
            signals.update(repost_only=0.0, duplicates=0.0, bursts=0.0)
        fr = None
        if prof is not None and user in prof.index:
            row = prof.loc[user]
            fr = follow_signal(row["following"], row["followers"])
            if fr is not None and fr > 0:
                follows, fans = int(row["following"]), int(row["followers"])
                reasons.append(f"follows {follows:,} but has {fans:,} followers")
        signals["follow_ratio"] = fr
        known = {k: v for k, v in signals.items() if v is not None}
        wsum = sum(BOT_WEIGHTS[k] for k in known)
        score = sum(BOT_WEIGHTS[k] * v for k, v in known.items()) / wsum if wsum else 0.0
        rows.append((user, n, round(float(np.clip(score, 0, 1)), 4), signals, "; ".join(reasons)))
    return pd.DataFrame(rows, columns=["user_id", "n_posts", "bot_score", "signals", "bot_reasons"])


def test_bot_scores_equal_the_per_user_reference_on_a_hand_checked_graph():
    t = pd.Timestamp("2026-11-01 08:00", tz="Asia/Shanghai")
    rows = [(f"b{i}", "bot", t + pd.Timedelta(seconds=3 * i), "转发微博", f"p{i}") for i in range(4)]
    rows += [("m1", "mum", t, "宝宝会走路了", None), ("m2", "mum", t, "宝宝会走路了", None)]
    rows += [("m3", "mum", t + pd.Timedelta(hours=1), "今天去公园", None)]
    profiles = pd.DataFrame({"user_id": ["mum", "bot"], "followers": [1, 10.0], "following": [400, None]})
    got = bot_scores(_posts(rows), profiles, users=["mum", "silent"])
    pd.testing.assert_frame_equal(got, _bot_scores_per_user(_posts(rows), profiles, users=["mum", "silent"]))
    # by hand: bot 4 reposts with no words (all the same "转发微博": duplicates too), 3 within 10 s,
    # no follow ratio (following unknown): (0.35 * 1 + 0.25 * 1 + 0.2 * 3/3) / 0.8; mum 2 of 3
    # posts repeat, follows 400 with 1 follower (ratio 400 -> 1): (0.25 * 2/3 + 0.2 * 1/2 + 0.2 * 1) / 1.0
    assert got["user_id"].tolist() == ["bot", "mum", "silent"]
    assert got["bot_score"].tolist() == [1.0, round(0.25 * 2 / 3 + 0.1 + 0.2, 4), 0.0]
    assert got.loc[1, "bot_reasons"] == (
        "67% of posts repeat another of their posts word for word; 1 posts within 10 s of the previous"
        "; follows 400 but has 1 followers"
    )
    nothing = {"repost_only": 0.0, "duplicates": 0.0, "bursts": 0.0, "follow_ratio": None}
    assert got.loc[2, "signals"] == nothing


@settings(max_examples=25, deadline=None)
@given(
    posts=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", "e"]),
            st.integers(0, 120),
            st.sampled_from(["转发微博", "Repost", "", "//@x: 好", "宝宝", "宝宝 //@y:嗯", None]),
            st.booleans(),
        ),
        min_size=1,  # no posts at all: both refuse (the .str accessor of an empty column)
        max_size=30,
    ),
    fans=st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=6, max_size=6),
    follows=st.lists(st.one_of(st.none(), st.integers(0, 50_000)), min_size=6, max_size=6),
    min_posts=st.integers(1, 4),
)
def test_bot_scores_equal_the_per_user_reference_on_random_posts(posts, fans, follows, min_posts):
    t = pd.Timestamp("2026-11-01 08:00", tz="Asia/Shanghai")
    frame = _posts(
        [
            (str(i), u, t + pd.Timedelta(seconds=s), text, f"p{i}" if rp else None)
            for i, (u, s, text, rp) in enumerate(posts)
        ]
    )
    ids = ["a", "b", "c", "f", "a", "g"]  # "a" twice: the first profile counts
    profiles = pd.DataFrame({"user_id": ids, "followers": fans, "following": follows})
    users = ["f", "b", "z"]
    got = bot_scores(frame, profiles, min_posts=min_posts, users=users)
    want = _bot_scores_per_user(frame, profiles, min_posts=min_posts, users=users)
    pd.testing.assert_frame_equal(got, want)
