"""A run that picks fewer seeds than asked for says why (issue 16): how many members each house
rule left out, counted by the selection (graph.run_select params ``excluded_*``)."""

from __future__ import annotations

import pandas as pd

from flows.messages import fewer_seeds_note, use_lang
from graph.run_select import exclusion_counts


def _selection(n_seeds: int, k: int, **params) -> dict:
    return {"seeds": [{}] * n_seeds, "n_eligible": n_seeds, "params": {"k_requested": k, **params}}


def test_no_note_when_the_list_is_full_or_the_counts_are_missing() -> None:
    assert fewer_seeds_note(_selection(100, 100, n_members=514)) is None
    assert fewer_seeds_note(_selection(20, 100)) is None  # a selection from before the counts


def test_the_note_names_each_rule_that_left_members_out() -> None:
    use_lang("en")
    try:
        note = fewer_seeds_note(
            _selection(
                41, 100, n_members=73, excluded_unconfirmed=27, excluded_as_bots=2, excluded_otherwise=3
            )
        )
    finally:
        use_lang("zh")
    assert note == (
        "note: only 41 of the 73 members may be seeds, fewer than the 100 asked for; left out: "
        "27 not confirmed in their own words (no first-person post or profile); 2 bot-like; "
        "3 by the follower cap, verification or the filters"
    )


def test_members_left_out_for_other_reasons_are_counted_once() -> None:
    judged = pd.DataFrame(
        {
            "eligible": [True, False, False, False, False],
            "excluded_by": [
                "",
                "not confirmed in their own words",
                "bot-like (score 0.9: bursts); 90,000 followers > 50,000",
                "90,000 followers > 50,000; verified organisation",
                "filter: gender unknown",
            ],
        }
    )
    assert exclusion_counts(judged)["excluded_otherwise"] == 2  # the cap and verification; the filter
