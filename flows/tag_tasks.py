"""The tasks the flow submits for each user shard of the tag step: score its posts, then tag its
members (thin calls into :mod:`flows.tagging`). A module of their own, importing nothing else
of the pipeline: a worker process (``ProcessPoolTaskRunner``, a Dask worker) imports the
module of the task it runs, and this one costs it only Prefect and the tagging libraries.

Example (inside a flow)::

    proba = score_shard_task.submit(part, "mothers", segments_dir, 1, 2).result()
    tags = tag_shard_task.submit(part, "mothers", segments_dir, 1, 2, prior, proba).result()
"""

# No ``from __future__ import annotations`` here (as in flows/tasks.py): a served flow's tasks
# are cloudpickled by value into the run's process, without the module globals string
# annotations would need.
import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import tagging

__all__ = ["score_shard_task", "tag_shard_task"]


@task(name="score user shard", task_run_name="score {segment} shard {shard}/{of}", cache_policy=NO_CACHE)
def score_shard_task(posts: pd.DataFrame, segment: str, segments_dir: str, shard: int, of: int) -> Any:
    return tagging.score_shard(posts, segment, Path(segments_dir))


@task(name="tag user shard", task_run_name="tag {segment} shard {shard}/{of}", cache_policy=NO_CACHE)
def tag_shard_task(
    posts: pd.DataFrame,
    segment: str,
    segments_dir: str,
    shard: int,
    of: int,
    prior: float | None = None,
    proba: Any = None,
) -> Any:
    return tagging.tag_shard(posts, segment, Path(segments_dir), prior, proba)
