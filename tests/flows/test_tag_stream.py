"""Issue 20: the tag step holds one user shard in memory at a time (:func:`flows.tagging.tag_step`):
each shard read from the warehouse alone equals that shard of the window read at once, the
prior from what the shards leave (:func:`nlp.tag_shards.pairs_prior`) reads exactly the
probabilities, in the same order, that the window's :func:`nlp.tagger.window_prior` reads, and
the stored tags and funnel do not depend on the number of shards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows import exports, steps, tagging
from flows.settings import load_settings
from nlp.segments import load_segment
from nlp.tag_shards import ScoredPairs, pairs_prior, prior_pairs
from nlp.tagger import window_prior
from store.warehouse import open_warehouse

AS_OF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def sample_wh(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("stream") / "w.duckdb"
    exports.ingest_paths(wh, [sample_dir])
    return wh


class _Spy:
    """A classifier that records the probabilities :meth:`decide` is given."""

    def __init__(self, model: object) -> None:
        self.model, self.seen = model, []

    def decide(self, proba: np.ndarray, prior: object = None) -> object:
        self.seen.append(np.asarray(proba).copy())
        return self.model.decide(proba)  # type: ignore[attr-defined]


def test_each_shard_read_alone_equals_that_shard_of_the_window(sample_wh: Path) -> None:
    users = tagging.tag_shard_users(sample_wh, AS_OF, 30, 3)
    whole = tagging.read_tag_shards(sample_wh, AS_OF, 30, 3)
    assert all(len(u) for u in users) and sum(len(p) for p in whole) > 1000
    for shard, part in zip(users, whole, strict=True):
        alone = tagging.read_tag_shard(sample_wh, AS_OF, 30, shard)
        pd.testing.assert_frame_equal(alone, part.reset_index(drop=True))
    assert len(tagging.tag_shard_users(sample_wh, AS_OF, 30)) == 1  # a small window: one shard


def test_the_prior_from_the_shards_pairs_reads_the_windows_probabilities_in_order(sample_wh: Path) -> None:
    segments = load_settings(env={}, config_path=None).segments_dir
    definition = load_segment("mothers", segments)
    model = tagging.load_post_classifier(definition, segments)
    assert model is not None
    (window,) = tagging.read_tag_shards(sample_wh, AS_OF, 30, 1)
    proba = tagging.score_shard(window, "mothers", segments)
    at_once = _Spy(model)
    prior = window_prior(window, definition, at_once, proba=proba)  # type: ignore[arg-type]
    for n in (2, 5):
        parts = [
            tagging.read_tag_shard(sample_wh, AS_OF, 30, u)
            for u in tagging.tag_shard_users(sample_wh, AS_OF, 30, n)
        ]
        pairs = [prior_pairs(p, tagging.score_shard(p, "mothers", segments)) for p in parts]
        spy = _Spy(model)
        assert pairs_prior(pairs[::-1], spy) == prior  # type: ignore[arg-type]
        np.testing.assert_array_equal(spy.seen[0], at_once.seen[0])  # the same numbers, same order
        # scoring each pair once over the shards: the same probabilities and pairs
        known, by_post = ScoredPairs(), pd.Series(proba, index=window["post_id"])
        for part, kept in zip(parts, pairs, strict=True):
            q, again = tagging.score_shard_once(part, "mothers", segments, known)
            np.testing.assert_array_equal(q, by_post[part["post_id"]].to_numpy())
            np.testing.assert_array_equal(again.key, kept.key)
            np.testing.assert_array_equal(again.proba, kept.proba)
    assert pairs_prior([], model) is None


def _stored(wh: Path, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = open_warehouse(wh, read_only=True)
    try:
        tags = con.execute(
            "SELECT * EXCLUDE (run_id) FROM user_tags WHERE run_id = ? ORDER BY user_id", [run_id]
        ).df()
        funnel = con.execute("SELECT * EXCLUDE (run_id) FROM tag_funnels WHERE run_id = ?", [run_id]).df()
        return tags, funnel
    finally:
        con.close()


@pytest.mark.slow
def test_the_stored_tags_do_not_depend_on_the_number_of_shards(sample_wh: Path) -> None:
    segments = load_settings(env={}, config_path=None).segments_dir
    stored = []
    for n in (1, 4, None):
        run_id = steps.begin_run(
            sample_wh, flow="test", segment="mothers", as_of=AS_OF, window_days=30, params={}
        )
        assert tagging.tag_step(sample_wh, run_id, "mothers", AS_OF, 30, segments, shards=n) > 300
        stored.append(_stored(sample_wh, run_id))
    for tags, funnel in stored[1:]:
        pd.testing.assert_frame_equal(tags, stored[0][0])
        pd.testing.assert_frame_equal(funnel, stored[0][1])
