"""``tajian label --held-out``: every post is a random draw recorded as ``held_out``, and such
labels become the set ``tajian evaluate`` measures on (nlp.label_training.held_out_labels)."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime

from flows.label_server import LabelSession
from nlp.label_pool import score_pool
from nlp.label_training import calibration_labels, held_out_labels
from nlp.segments import load_segment
from store.labels import Label, read_candidate_posts, read_labels, write_label
from store.warehouse import open_warehouse
from tests.conftest import ROOT


def test_a_held_out_session_draws_at_random_and_records_held_out(tmp_path):
    with open(ROOT / "tests" / "data" / "food_labels.csv", encoding="utf-8-sig", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)][:40]
    wh = tmp_path / "w.duckdb"
    con = open_warehouse(wh)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    con.executemany(
        "INSERT INTO posts (post_id, platform, user_id, created_at, text) VALUES (?, 'weibo', 'u', ?, ?)",
        [(f"t{i}", now, t) for i, t in enumerate(texts)],
    )
    con.close()
    write_label(wh, Label("food", "t0", "yes", "ana", "random", text=texts[0]))
    seg = load_segment("food")
    pool = score_pool(read_candidate_posts(wh), seg, None)
    session = LabelSession(
        wh, seg, pool, read_labels(wh, "food"), who="ana", seed=3, random_share=0.0, held_out=True
    )
    shown = []
    for label in ("yes", "no", "no"):
        post = session.state()["post"]
        assert post["chosen_by"] == "held_out" and post["post_id"] != "t0"
        shown.append(post["post_id"])
        session.judge(post["post_id"], label)
    deadline = time.monotonic() + 20
    while session.state()["pending"] and time.monotonic() < deadline:
        time.sleep(0.05)
    labels = read_labels(wh, "food")
    assert sorted(held_out_labels(labels)["post_id"]) == sorted(shown)
    # the random label is on the training side now that a held-out set exists
    assert calibration_labels(labels)["post_id"].tolist() == ["t0"]
    assert session.state()["random"] == 4  # the random label and the three held-out draws
