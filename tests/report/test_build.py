"""report.build: a report from plain tables (no warehouse, no graph) and its five files."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from report.build import build_report, stored_overlap, write_outputs


def _inputs():
    seeds = [
        {
            "rank": 1,
            "user_id": "a",
            "marginal_reach": 3.0,
            "cumulative_reach": 3.0,
            "circle": 1,
            "city": "上海",
        },
        {
            "rank": 2,
            "user_id": "b",
            "marginal_reach": 1.0,
            "cumulative_reach": 4.0,
            "circle": 2,
            "city": None,
        },
    ]
    selection = {
        "method": "ris",
        "random_seed": 7,
        "expected_reach": 4.0,
        "model": {"probability": "wc", "max_hops": 2, "decay": 1.0},
        "seeds": seeds,
        "overlap": {
            "reached": 4.0,
            "reached_by_two_or_more": 1.0,
            "sample_size": 10,
            "by_count": {"1": 3.0, "2": 1.0},
            "per_circle": {"1": [3.0, 1.0]},
        },
    }
    tags = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "score": [0.9, 0.8, 0.7],
            "n_hits": [3, 2, 1],
            "evidence": ['[{"hits": ["宝宝"]}]', "[]", "[]"],
        }
    )
    posts = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "x"],
            "text": ["t"] * 4,
            "created_at": pd.to_datetime(["2026-11-15 10:00"] * 4),
            "reposts": [1, 0, 0, 0],
            "comments": [0, 0, 0, 0],
            "likes": [2, 0, 0, 0],
        }
    )
    profiles = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "screen_name": ["A", None, "C"],
            "followers": [10, None, 5],
            "location": ["上海", None, "上海"],
        }
    )
    run_users = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "x"],
            "circle": [1, 2, 1, None],
            "bot_score": [0.1, None, 0.2, None],
            "bot_reasons": ["", None, "", None],
        }
    )
    return build_report(
        segment="mothers",
        segment_description="parents",
        as_of=date(2026, 11, 15),
        window_days=2,
        run_id="r1",
        synthetic=True,
        version="dev",
        selection=selection,
        tags=tags,
        posts=posts,
        profiles=profiles,
        run_users=run_users,
        reasons={},
        loads=pd.DataFrame(
            [
                {
                    "source": "s",
                    "rows_read": 4,
                    "loaded": 4,
                    "duplicates": 0,
                    "quarantined": 0,
                    "users_added": 3,
                    "interactions_added": 0,
                }
            ]
        ),
        quarantine=[("bad", 2)],
        pending=0,
        previous={
            "run_id": "r0",
            "as_of": "2026-11-14",
            "reach": 2.0,
            "seeds": {"b": 1, "z": 2},
            "dropped_ids": ["b", "z"],
        },
        members_note="note",
        top_words=[],
        eligibility=["rule"],
        model_text="wc",
        cities_of={"a": "上海", "c": "上海"},
        network={"nodes": [], "edges": []},
        circle_nodes=["a", "c"],
        circle_edges=[("a", "c", 1.0)],
    )


def test_build_report_reads_what_select_stored():
    inputs = _inputs()
    assert "overlap" not in inputs.selection  # the stored figures are the report's, not the list's
    assert inputs.overlap["by_count"] == {1: 3.0, 2: 1.0}
    assert [c["circle"] for c in inputs.circles] == [1, 2] and inputs.circles[0]["reached_2plus"] == 1.0
    assert inputs.circles[0]["members"] == 2 and inputs.circles[0]["cities"] == "上海 2"
    assert [r["bot_score"] for r in inputs.seed_rows] == [0.1, None]
    assert inputs.changes["dropped"] == [{"rank": 2, "name": None, "user_id": "z"}]
    assert [n["member"] for n in inputs.gexf_nodes] == [True, True]
    assert inputs.member_days[-1] == ("2026-11-15", 3, 3)


def test_write_outputs_writes_the_five_files(tmp_path):
    out = write_outputs(_inputs(), tmp_path)
    for p in (out.report, out.seeds_csv, out.seeds_json, out.seeds_xlsx, out.circles_gexf):
        assert p.is_file() and p.parent == tmp_path
    doc = json.loads(out.seeds_json.read_text(encoding="utf-8"))
    assert doc["report"]["overlap"]["reached_by_two_or_more"] == 1.0 and doc["report"]["run_id"] == "r1"


def test_no_stored_overlap_says_why():
    assert stored_overlap(None) == (None, {}, "the selection holds no cross-infection figures")
