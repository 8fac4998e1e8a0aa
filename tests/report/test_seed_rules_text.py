"""The report states every seed rule the selection used, in the analyst's language: the bot rule
(read from the selection's ``bot_score_max``; it was read from a key nothing wrote, so the page
left it out), the shop rule, and the rule that seeds are confirmed in their own first-person words;
the members note counts the members so confirmed."""

from __future__ import annotations

import pandas as pd

from graph.options import EligibilityRules
from report.html import eligibility_text, members_note


def _selection(**rules) -> dict:
    return {"params": {"eligibility": EligibilityRules(**rules).as_dict()}}


def test_every_house_rule_is_stated_in_english_and_chinese() -> None:
    en = eligibility_text(_selection(), "en")
    assert "not bot-like (bot score at most 0.6)" in en
    assert "not a shop, 微商 or 代购 (posts that sell, or a shop's name or bio)" in en
    assert any(line.startswith("confirmed in their own words") for line in en)
    zh = eligibility_text(_selection(), "zh")
    assert len(zh) == len(en)
    assert not any(line in en for line in zh)  # every line translated
    assert any("第一人称" in line for line in zh)


def test_rules_that_are_off_are_not_stated() -> None:
    en = eligibility_text(_selection(require_confirmed=False, exclude_businesses=False, bot_score_max=None))
    assert not any("confirmed" in line or "微商" in line or "bot" in line for line in en)


def test_the_members_note_counts_the_confirmed() -> None:
    tags = pd.DataFrame({"business": [None] * 4, "confirmed_by": ["post", "post", "profile", "unconfirmed"]})
    counts = {"posts": 3, "profile": 0, "both": 1}
    en = members_note("mothers", "classifier", counts, tags, None, "en")
    assert "2 are confirmed by a post in their own first-person words" in en
    assert "and 1 more by their profile; 1 are not confirmed." in en
    zh = members_note("mothers", "classifier", counts, tags, None, "zh")
    assert "first-person" not in zh and "2 位由自己第一人称的帖子" in zh
    # a segment without first-person patterns (every member "segment") says nothing of it
    plain = tags.assign(confirmed_by="segment")
    assert "confirmed" not in members_note("food", "rules", counts, plain, None, "en")


def test_the_seed_table_shows_each_seeds_own_words_escaped() -> None:
    from dataclasses import replace

    from report.html import ReportInputs, render_report

    ex = ReportInputs.example(lang="zh")
    row = {**ex.seed_rows[0], "own_words": "我家宝宝、<b>孕32周</b>"}
    html = render_report(replace(ex, network=None, seed_rows=[row]))
    assert '<div class="own">本人话语：我家宝宝、&lt;b&gt;孕32周&lt;/b&gt;</div>' in html
    plain = render_report(replace(ex, network=None, seed_rows=[{**row, "own_words": ""}]))
    assert '<div class="own">' not in plain and "本人话语：" not in plain
