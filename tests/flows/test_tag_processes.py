"""Issue 20: the tag step's shards scored and tagged in worker processes (Prefect's
``ProcessPoolTaskRunner``, what :func:`flows.pipeline.pipeline_on` gives for ``tag_shards`` > 1)
give exactly the members, scores and evidence of the serial :func:`flows.tagging.tag_step`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows import exports, steps, tagging
from flows.settings import load_settings
from tests.store.test_weibo_api import status

AS_OF = date(2026, 11, 15)


def _tags(wh: Path, run_id: str) -> pd.DataFrame:
    from store.warehouse import open_warehouse

    con = open_warehouse(wh, read_only=True)
    try:
        return con.execute(
            "SELECT * EXCLUDE (run_id) FROM user_tags WHERE run_id = ? ORDER BY user_id", [run_id]
        ).df()
    finally:
        con.close()


@pytest.mark.slow
def test_shards_tagged_in_worker_processes_equal_the_serial_tag_step(prefect_harness, sample_dir, tmp_path):
    from prefect import flow

    from flows.pipeline import FlowApiProcessPool, _tag, pipeline_on, tag_workers

    wh = tmp_path / "w.duckdb"
    exports.ingest_paths(wh, [sample_dir])
    settings = load_settings(env={}, config_path=None).model_copy(update={"warehouse": wh, "tag_shards": 3})

    def begin() -> str:
        return steps.begin_run(wh, flow="test", segment="mothers", as_of=AS_OF, window_days=30, params={})

    serial = begin()
    n_serial = tagging.tag_step(wh, serial, "mothers", AS_OF, 30, settings.segments_dir)

    # the pipeline's own wiring of the tag step (score each shard, the prior from all, tag each
    # shard), its shard tasks in two worker processes of the runner pipeline_on picks
    if tag_workers(2) == 2:
        assert isinstance(pipeline_on(None, 2).task_runner, FlowApiProcessPool)
    assert pipeline_on(None, 1).task_runner.__class__.__name__ == "ThreadPoolTaskRunner"

    @flow(task_runner=FlowApiProcessPool(max_workers=2))
    def tag_in_processes(run_id: str) -> int:
        return _tag(settings, run_id, "mothers", AS_OF, 30)

    parallel = begin()
    assert tag_in_processes(parallel) == n_serial > 300
    pd.testing.assert_frame_equal(_tags(wh, parallel), _tags(wh, serial))


def test_per_shard_probabilities_give_the_window_prior_and_the_tags_of_scoring_the_window_at_once(tmp_path):
    """The library side of the parallel path, without Prefect: :func:`flows.tagging.score_shard`
    of each shard, :func:`~flows.tagging.estimate_prior` from them, equal the window scored in
    one piece (the serial path before issue 20), posts repeated across shards included."""
    lines = [
        status(100 + i, 10 + i % 7, f"u{i % 7}", text)
        for i, text in enumerate(
            [
                "我家宝宝今天会翻身了",
                "宝宝夜奶三次好累",
                "孕32周胎动好厉害",
                "给娃做辅食南瓜泥",
                "追星的宝宝们冲呀",
            ]
            * 4
        )
    ]
    export = tmp_path / "posts.jsonl"
    export.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in lines), encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    exports.ingest_paths(wh, [export])
    segments = load_settings(env={}, config_path=None).segments_dir
    parts = tagging.read_tag_shards(wh, date(2026, 11, 13), 30, 3)
    assert sum(len(p) for p in parts) == 20 and sum(len(p) > 0 for p in parts) >= 2
    proba = [tagging.score_shard(p, "mothers", segments) for p in parts]
    at_once = [p.copy() for p in parts]
    prior = tagging.estimate_prior(at_once, "mothers", segments)  # scores the window in one piece
    assert tagging.estimate_prior(parts, "mothers", segments, proba) == prior
    for part, whole, q in zip(parts, at_once, proba, strict=True):
        np.testing.assert_array_equal(q, whole["post_proba:mothers"].to_numpy())
        given = tagging.tag_shard(part, "mothers", segments, prior, q).tags
        pd.testing.assert_frame_equal(given, tagging.tag_shard(whole, "mothers", segments, prior).tags)
    with pytest.raises(ValueError, match=r"one array of probabilities per shard \(3\); got 1"):
        tagging.estimate_prior(parts, "mothers", segments, proba[:1])
