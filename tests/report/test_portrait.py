"""The audience portrait (issue 19 point 10): counts that add up to everyone (unknown included),
a province never called a city, and a report section that shows it with the run's filters."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from report.html import ReportInputs, banners, describe_parameters, render_report
from report.i18n import translations
from report.portrait import UNKNOWN, audience_portrait, portrait_view, set_filters
from store.places import place_columns

# the places as the report's reader gives them (store.places: this room does not read locations)
PROFILES = place_columns(
    pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d"],
            "gender": ["f", "m", "女", None],
            "location": ["浙江 杭州", "广东", "上海 浦东新区", "其他"],
            "followers": [10, 2_000, 80_000, None],
        }
    )
)
# Tuesday 2026-11-03 08:xx twice (a), Sunday 2026-11-08 22:xx (b); e has posts but no profile
POSTS = pd.DataFrame(
    {
        "user_id": ["a", "a", "b", "e", "zz"],
        "created_at": pd.to_datetime(
            [
                "2026-11-03 08:05",
                "2026-11-03 08:50",
                "2026-11-08 22:10",
                "2026-11-04 12:00",
                "2026-11-04 12:00",
            ]
        ),
    }
)
USERS = ["a", "b", "c", "d", "e"]


def test_every_user_is_counted_once_in_each_breakdown_unknown_included():
    p = audience_portrait(PROFILES, POSTS, USERS)
    assert p["n"] == 5
    assert p["gender"] == {"f": 2, "m": 1, UNKNOWN: 2}  # d's gender is empty, e has no profile
    for key in ("provinces", "cities", "followers"):
        assert sum(n for _, n in p[key]) == 5, key
    assert dict(p["provinces"]) == {"浙江": 1, "广东": 1, "上海": 1, UNKNOWN: 2}
    # "广东" is a province only: its city is unknown, never "广东"
    assert dict(p["cities"]) == {"杭州": 1, "上海": 1, UNKNOWN: 3}
    assert dict(p["followers"]) == {"<100": 1, "100–1k": 0, "1k–10k": 1, "10k–50k": 0, "50k+": 1, UNKNOWN: 2}


def test_posting_times_by_hour_and_weekday_count_only_these_users():
    p = audience_portrait(PROFILES, POSTS, USERS)
    assert p["posts"] == 4 and sum(p["hours"]) == 4 and sum(p["weekdays"]) == 4
    assert p["hours"][8] == 2 and p["hours"][22] == 1 and p["hours"][12] == 1
    assert p["weekdays"][1] == 2 and p["weekdays"][6] == 1 and p["weekdays"][2] == 1


def test_many_places_fold_into_other_without_losing_anyone():
    profiles = place_columns(
        pd.DataFrame(
            {"user_id": [f"u{i}" for i in range(30)], "location": [f"广东 城{i}" for i in range(30)]}
        )
    )
    p = audience_portrait(profiles, POSTS.iloc[:0], profiles["user_id"], top=5)
    assert len(p["cities"]) == 6 and p["cities"][-1] == ("other", 25)


def test_the_report_shows_the_portrait_and_the_filters():
    inputs = ReportInputs.example()
    portrait = {
        "segment": audience_portrait(PROFILES, POSTS, USERS),
        "seeds": audience_portrait(PROFILES, POSTS, ["a"]),
    }
    sel = dict(inputs.selection)
    sel["params"] = {
        **sel.get("params", {}),
        "eligibility": {"regions": ["广东", "浙江"], "gender": "f", "min_followers": None},
        "filter_counts": [{"filter": "regions", "pass": 2, "fail": 1, "unknown": 2}],
    }
    html = render_report(replace(inputs, portrait=portrait, selection=sel))
    assert 'id="portrait"' in html and 'id="filter-table"' in html
    for chart in ("gender", "provinces", "cities", "hours", "weekdays"):
        assert f'id="chart-portrait-{chart}"' in html
    assert "所在地</span> <b>广东、浙江</b>" in html and ">性别</span> <b>女性</b>" in html
    assert ">所在地</td>" in html  # the filter table names the filter in the reader's words
    assert "所在地为 广东、浙江（所在地未知的排除）" in html  # and "who can be a seed" lists it
    en = render_report(replace(inputs, portrait=portrait, selection=sel, lang="en"))
    assert "located in</span> <b>广东 / 浙江</b>" in en and ">gender</span> <b>women</b>" in en
    assert "Audience portrait: 妈妈 and the seed users" in en and "人群画像：妈妈与种子用户" in html
    assert 'id="portrait"' not in render_report(inputs)  # no portrait: no section


def test_view_aligns_the_seeds_with_the_segment():
    view = portrait_view(
        audience_portrait(PROFILES, POSTS, USERS), audience_portrait(PROFILES, POSTS, ["b"]), label="mothers"
    )
    assert view["tables"]["provinces"][-1] == (UNKNOWN, 2, 0)
    assert ("广东", 1, 1) in view["tables"]["provinces"]
    assert set_filters({"exclude_verified": True, "regions": []}) == {"exclude_verified": True}
    zh = portrait_view(view["segment"], view["seeds"], label="妈妈", tr=translations("zh").gettext)
    assert zh["groups"] == ("全部妈妈", "种子用户") and zh["tables"]["followers"][-1][0] == "未知"


def test_a_run_whose_filters_leave_only_the_seeds_says_to_loosen_them():
    ex = ReportInputs.example()
    rules = {"regions": ["广东"], "exclude_verified": True, "min_followers": 100}
    sel = {**ex.selection, "n_eligible": len(ex.seed_rows), "params": {"eligibility": rules}}
    zh = banners(replace(ex, selection=sel))[0]
    assert "（粉丝数不少于 100；所在地 广东；排除认证账号）" in zh and "放宽筛选条件" in zh
    en = banners(replace(ex, selection=sel, lang="en"))[0]
    assert "(followers at least 100; located in 广东; no verified accounts)" in en
    assert "Loosen the filters" in en


def test_the_parameters_table_reads_the_filter_counts_out():
    sel = {"params": {"filter_counts": [{"filter": "regions", "pass": 141, "fail": 370, "unknown": 3}]}}
    assert describe_parameters(sel, lang="zh")[0][1] == "所在地：通过 141，排除 370，未知 3"
    assert describe_parameters(sel, lang="en")[0][1] == "located in: 141 passed, 370 left out, 3 unknown"
