"""Issue 19, point 2: a run that tags nobody says where the funnel stopped (posts in the window →
with own words → with a segment word → positive → authors → members) and what to try, not
"check the exports cover that window"."""

from __future__ import annotations

import json
from datetime import date

import pytest

from flows import exports, steps, tagging
from flows.errors import UserError, explain
from flows.messages import current_lang, no_members_line, use_lang
from flows.settings import load_settings
from tests.store.test_weibo_api import status


@pytest.fixture(autouse=True)
def _english():
    """These tests check the English lines (Chinese is the default; test_i18n checks the Chinese)."""
    before = current_lang()
    use_lang("en")
    yield
    use_lang(before)


FILE = "data/segments/mothers.toml"


def funnel(own=0, relevant=0, positive=0, authors=0, **extra):
    return {
        "n_posts": own,
        "n_relevant": relevant,
        "n_positive_posts": positive,
        "n_authors": authors,
        "n_members": 0,
        **extra,
    }


@pytest.mark.parametrize(
    ("posts", "counts", "stopped", "tried"),
    [
        (0, funnel(), "the window holds no posts", "--as-of"),
        (5, funnel(), "bare repost", "own posts"),
        (9, funnel(own=9), "[prefilter] in " + FILE, "widen [prefilter]"),
        (
            9,
            funnel(own=9, relevant=4, threshold=0.71, prior=0.3),
            "threshold 0.71 at an estimated 30%",
            "tajian classify",
        ),
        (9, funnel(own=9, relevant=4), "keyword rules' threshold", "--window-days 60"),
        (
            9,
            funnel(own=9, relevant=4, positive=2, authors=2),
            "2 author(s) of the positive posts",
            "max_chance",
        ),
    ],
)
def test_the_line_names_the_step_that_stopped_and_what_to_try(posts, counts, stopped, tried):
    line = no_members_line("mothers", 30, "2026-11-15", posts, counts, FILE)
    assert line.startswith("no mothers found in the 30 days ending 2026-11-15 (segment mothers): ")
    assert f"{posts} posts in the window → {counts['n_posts']} with the authors' own words" in line
    stop, fix = line.split(" Stopped: ")[1].split(" Try: ")
    assert stopped in stop and tried in fix
    assert "\n" not in line and "check the exports cover" not in line


def test_the_line_calls_the_members_by_the_segments_people_name():
    counts = funnel(own=9, relevant=4, threshold=0.71, prior=0.3)
    use_lang("zh")
    lost = no_members_line("mothers", 30, "2026-11-15", 9, counts, "/nowhere/mothers.toml")
    assert "没有找到mothers（人群 mothers）" in lost  # no definition file: the segment's name
    line = no_members_line("mothers", 30, "2026-11-15", 9, counts, FILE)
    assert line.startswith("截至 2026-11-15 的 30 天内没有找到妈妈（人群 mothers）")
    assert "条含与妈妈有关的词" in line and "→ 0 位妈妈" in line and "按估计妈妈的帖子占 30%" in line
    food = no_members_line("food", 30, "2026-11-15", 9, funnel(own=9), "data/segments/food.toml")
    assert "没有找到美食爱好者" in food and "members" not in food


def test_a_run_of_unrelated_posts_fails_at_the_prefilter_in_one_line(tmp_path):
    wh = tmp_path / "w.duckdb"
    export = tmp_path / "news.jsonl"
    export.write_text(
        "\n".join(
            json.dumps(status(100 + i, 10 + i % 3, f"u{i}", f"今天股市上涨第{i}天"), ensure_ascii=False)
            for i in range(6)
        ),
        encoding="utf-8",
    )
    exports.ingest_paths(wh, [export])
    day = date(2026, 11, 13)
    settings = load_settings(env={}, config_path=None)
    run_id = steps.begin_run(wh, flow="test", segment="mothers", as_of=day, window_days=30, params={})
    shards = tagging.read_tag_shards(wh, day, 30, 1)
    prior = tagging.estimate_prior(shards, "mothers", settings.segments_dir)
    tagged = [tagging.tag_shard(s, "mothers", settings.segments_dir, prior) for s in shards]
    assert tagging.write_tags(wh, run_id, tagged) == 0
    with pytest.raises(
        UserError, match=r"6 posts in the window → 6 with the authors' own words → 0 with"
    ) as err:
        steps.select_step(wh, run_id, "mothers", day, 30, settings)
    assert "Stopped: none of the posts uses a word of the segment's [prefilter]" in str(err.value)
    line, code, log = explain(err.value, what="tajian run")
    assert line == str(err.value) and code == 1 and not log  # one line, no traceback file
