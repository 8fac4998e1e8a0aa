"""Issue 19, point 4: weibo-search's ``ip`` (IP属地) becomes the author's location, known to be a
province and not a city; data quality counts unknown profile fields truthfully; and a rule the
data cannot apply (the follower cap without follower counts) is warned about and recorded for the
report. Real DuckDB warehouse, real tagger, selector and report inputs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from flows import exports, steps, tagging
from flows.messages import current_lang, rule_warnings, use_lang
from flows.report_data import read_report_data, report_texts
from flows.settings import load_settings
from nlp.segments import load_segment
from report.build import build_report, unknown_fields
from store import runs
from store.places import place_level
from store.warehouse import fetch_users, open_warehouse
from tests.flows.test_ingest_explains import HEADER


@pytest.fixture(autouse=True)
def _english():
    """These tests check the English lines (Chinese is the default; test_i18n checks the Chinese)."""
    before = current_lang()
    use_lang("en")
    yield
    use_lang(before)


TEXTS = (
    "我家宝宝今天第一次叫妈妈了，当妈以来最感动的一天",
    "儿子昨晚夜奶三次，我这个新手妈妈快撑不住了",
    "女儿满月了，月子里我天天抱着她哄睡，辛苦但幸福",
)
IPS = ("IP属地：广东", "发布于 浙江", "上海", "", "美国")


def search_export(path, users: int = 12):
    rows, pid = [], 5_000_000_000_000_000
    for u in range(users):
        for d, text in enumerate(TEXTS):
            pid += 1
            ip = IPS[u % len(IPS)]
            when = f"2026-11-{10 + d} 0{u % 9}:00"
            rows.append(f"{pid},B{pid},{7000 + u},妈妈{u},{text},,,,,1,2,3,{when},iPhone,,,,{ip},普通用户,,")
    path.write_text("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_ip_is_loaded_as_a_province_level_location(tmp_path):
    wh = tmp_path / "w.duckdb"
    exports.ingest_paths(wh, [search_export(tmp_path / "宝宝.csv", users=5)])
    con = open_warehouse(wh, read_only=True)
    users = fetch_users(con, [str(7000 + u) for u in range(5)])
    got = {
        u: None if pd.isna(loc) else loc for u, loc in zip(users["user_id"], users["location"], strict=True)
    }
    assert got == {"7000": "广东", "7001": "浙江", "7002": "上海", "7003": None, "7004": "美国"}
    assert [place_level(got[str(7000 + u)]) for u in range(5)] == [
        "province",
        "province",
        "city",
        None,
        "abroad",
    ]


def test_unknown_fields_are_counted_not_hidden():
    profiles = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "followers": [None, None],
            "verified": [False, None],
            "location": ["广东", None],
            "gender": [None, None],
        }
    )
    got = unknown_fields({"a", "b", "c"}, profiles)
    assert got == {"followers": (3, 3), "verified": (2, 3), "location": (2, 3), "gender": (3, 3)}


def test_a_run_without_follower_counts_warns_and_records_the_rule(tmp_path):
    wh = tmp_path / "w.duckdb"
    exports.ingest_paths(wh, [search_export(tmp_path / "宝宝.csv")])
    settings = load_settings(env={}, config_path=None).replace(k=3)
    day = date(2026, 11, 12)
    run_id = steps.begin_run(wh, flow="test", segment="mothers", as_of=day, window_days=30, params={})
    shards = tagging.read_tag_shards(wh, day, 30, 1)
    prior = tagging.estimate_prior(shards, "mothers", settings.segments_dir)
    n = tagging.write_tags(
        wh, run_id, [tagging.tag_shard(s, "mothers", settings.segments_dir, prior) for s in shards]
    )
    assert n > 0
    doc = steps.select_step(wh, run_id, "mothers", day, 30, settings)
    cap = next(c for c in doc["rule_checks"] if c["rule"] == "follower_cap")
    assert cap == {
        "rule": "follower_cap",
        "field": "followers",
        "value": 50_000,
        "unknown": n,
        "of": n,
        "applies": False,
    }
    (warning,) = rule_warnings(doc["rule_checks"])
    assert "follower cap (50,000" in warning and f"unknown for all {n} members" in warning

    with runs.warehouse(wh) as con:
        data = read_report_data(con, run_id, "mothers", day, 30, settings)
    texts = report_texts(load_segment("mothers", settings.segments_dir), data, settings)
    inputs = build_report(**data, **texts, version="test")
    assert inputs.unknown_fields["followers"] == (12, 12)  # every author: none has a count
    assert inputs.unknown_fields["location"] == (2, 12)  # the empty ip cells
    assert inputs.users_without_profile == 0  # each has verification and most a place
    members = inputs.place_levels["members"]
    assert members["province"] > 0 and sum(members.values()) == n
    assert [c["applies"] for c in inputs.rule_checks if c["rule"] == "follower_cap"] == [False]
    assert any("follower cap (50,000 followers) could not apply" in note for note in inputs.notes)
    assert all("place_level" in r for r in inputs.seed_rows)
    # the segment's facts reach the report (its measured line or "not measured": report/segment_text.py)
    assert inputs.segment_status is not None and inputs.segment_status["segment"] == "mothers"
    assert set(inputs.segment_status) == {"segment", "draft", "scorer", "model_missing", "measured"}


def test_an_ip_province_does_not_erase_the_profiles_city(tmp_path):
    import json

    from tests.store.test_weibo_api import status, user

    wh = tmp_path / "w.duckdb"
    for uid, place in ((7001, "浙江 杭州"), (7000, "浙江 杭州")):
        f = tmp_path / f"api{uid}.jsonl"
        post = status(uid, uid, f"妈妈{uid}", "宝宝", when="Mon Nov 09 10:00:00 +0800 2026")
        post["user"] = user(uid, f"妈妈{uid}", location=place)
        f.write_text(json.dumps(post, ensure_ascii=False), encoding="utf-8")
        exports.ingest_paths(wh, [f])
    exports.ingest_paths(wh, [search_export(tmp_path / "宝宝.csv", users=2)])  # 7000: 广东, 7001: 浙江
    con = open_warehouse(wh, read_only=True)
    users = fetch_users(con, ["7000", "7001"])
    assert dict(zip(users["user_id"], users["location"], strict=True)) == {
        "7000": "广东",
        "7001": "浙江 杭州",
    }
