"""The tagging step reads each repost or reply with the post it answers (its context), and
``tajian classify`` / ``tajian evaluate`` take an optional context column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from flows.cli import app
from flows.tagging import read_tag_shards
from nlp.clean import clean_own_text
from nlp.post_rules import score_post
from nlp.segments import load_segment
from store.warehouse import fetch_context_texts, open_warehouse

NEWS = (
    "【奶粉之后，下一个限购会是尿不湿吗？】据中国新闻网，自上月实施限奶令，缓解了香港奶粉"
    "供应紧张。但近日香港又出现内地人抢购纸尿裤的情况，婴儿用品店的纸尿裤常常缺货。"
)
REPLY = "我也准备从国外带点回来，国内太贵了"

runner = CliRunner(env={"TAJIAN_LANG": "en"})  # English lines checked

# post_id, user, day, text, repost_of, reply_to
ROWS = [
    ("root", "u0", "2013-04-01", NEWS, None, None),  # before the window
    ("r1", "u1", "2013-05-01", REPLY, "root", None),  # answers the news post
    ("r2", "u2", "2013-05-01", "", "r1", None),  # a bare repost of r1
    ("r3", "u3", "2013-05-02", "我也是", "r2", None),  # up the tree: r2 -> r1 -> root
    ("c1", "u4", "2013-05-02", "我也要", None, "root"),  # a comment on the news post
    ("lost", "u5", "2013-05-02", "我也是", "gone", None),  # answers a post we do not hold
    ("own", "u6", "2013-05-02", "今天天气好", None, None),  # answers nothing
]


def _warehouse(tmp_path: Path) -> Path:
    wh = tmp_path / "w.duckdb"
    con = open_warehouse(wh)
    try:
        for pid, user, day, text, repost_of, reply_to in ROWS:
            con.execute(
                "INSERT INTO posts (post_id, platform, user_id, created_at, text, repost_of, reply_to) "
                "VALUES (?, 'weibo', ?, CAST(? AS TIMESTAMPTZ), ?, ?, ?)",
                [pid, user, f"{day} 10:00:00+08", text, repost_of, reply_to],
            )
    finally:
        con.close()
    return wh


def test_context_is_the_original_post_up_the_repost_tree(tmp_path: Path) -> None:
    wh = _warehouse(tmp_path)
    con = open_warehouse(wh, read_only=True)
    try:
        posts = con.execute("SELECT post_id, repost_of, reply_to FROM posts ORDER BY post_id").df()
        got = dict(zip(posts["post_id"], fetch_context_texts(con, posts), strict=True))
    finally:
        con.close()
    assert got == {"c1": NEWS, "lost": None, "own": None, "r1": NEWS, "r2": NEWS, "r3": NEWS, "root": None}


def test_tag_shards_carry_the_context(tmp_path: Path) -> None:
    wh = _warehouse(tmp_path)
    (posts,) = read_tag_shards(wh, date(2013, 5, 2), 30)
    assert list(posts.columns) == [
        "post_id",
        "user_id",
        "created_at",
        "text",
        "context",
        "screen_name",
        "bio",
        "own_text",  # each post's own words, cleaned once for the prior and the tagging (issue 20)
    ]
    assert posts["own_text"].tolist() == [clean_own_text(t) for t in posts["text"]]
    got = dict(zip(posts["post_id"], posts["context"], strict=True))
    assert "root" not in got  # outside the window, yet it is the context of the replies
    assert got["r1"] == NEWS and got["c1"] == NEWS and got["own"] is None


def test_classify_and_evaluate_take_a_context_column(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    pd.DataFrame(
        {"id": ["a", "b"], "text": [REPLY, REPLY], "source_text": [NEWS, ""], "label": [1, 0]}
    ).to_csv(src, index=False, encoding="utf-8")
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        app,
        [
            "classify",
            "--segment",
            "mothers",
            str(src),
            "--output",
            str(out),
            "--context-column",
            "source_text",
        ],
    )
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    seg = load_segment("mothers")
    assert scored["rule_positive"].tolist() == [str(int(score_post(REPLY, seg, NEWS).positive)), "0"]
    assert scored["rule_positive"].tolist() == ["1", "0"]
    assert load_segment("mothers").context.label in scored["rule_hits"][0]

    result = runner.invoke(
        app, ["evaluate", "--segment", "mothers", str(src), "--context-column", "source_text"]
    )
    assert result.exit_code == 0, result.output
    assert "2 posts, 1 labelled 1, 1 with context" in result.output
    rules = next(ln for ln in result.output.splitlines() if ln.startswith("rules")).split()
    assert rules[1:4] == ["1.000", "1.000", "1.000"]

    result = runner.invoke(app, ["evaluate", "--segment", "mothers", str(src), "--context-column", "nope"])
    assert result.exit_code == 2 and "nope" in result.output
