"""Seeded synthetic Weibo data: users, a social graph with circles, posts, reposts and comments.

The generator writes the official Weibo API status JSON, one object per line (UTF-8 JSON lines):

* ``<out_dir>/weibo_statuses.jsonl``: original posts and reposts (a repost carries the full root
  status in ``retweeted_status`` and the ``//@name:words`` chain of intermediate reposters),
* ``<out_dir>/weibo_comments.jsonl``: comments, some of them replies to other comments,

and returns a :class:`GroundTruth` saying who is who (segments, circles, cities, organisations,
celebrities, bots, hard negatives).

It is synthetic on purpose and says so: it checks plumbing and invariants, never quality.
Spread is produced by a Hawkes-like branching process over the follow graph (post-level appeal shared
by every reader, per-user activity, per-pair affinity, homophily, exponential waiting times in a
circadian clock, depth-decaying offspring, a "hot list" channel outside the graph, bot sessions),
not by an independent cascade with fixed per-edge probabilities.

Everything is vectorised with numpy and output lines are streamed to the files, so a million users
fit in a few minutes and bounded memory. Same seed, same bytes.

The modules, in the order the generator runs them:

* :mod:`~store.synthetic.vocabulary`: the words (``data/synthetic/*.toml``), read once,
* :mod:`~store.synthetic.people`: the users (roles, segments, hard negatives, profiles, names),
* :mod:`~store.synthetic.follows`: circles and the weighted follow graph,
* :mod:`~store.synthetic.posting`: when originals are posted (renewal processes, circadian clock),
* :mod:`~store.synthetic.cascades`: reposts, comments and replies (the branching process),
* :mod:`~store.synthetic.texts`: the words of each post, comment and profile,
* :mod:`~store.synthetic.writers`: the Weibo API JSON lines files,

with :mod:`~store.synthetic.generate` (the entry point), :mod:`~store.synthetic.truth` (the ground
truth), :mod:`~store.synthetic.kinds` (codes of roles and content kinds), :mod:`~store.synthetic.rng`
(``SplitMix64``) and :mod:`~store.synthetic.cli` (``python -m store.synthetic``).

Example:
    >>> from pathlib import Path
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     truth = generate_weibo_sample(Path(tmp), n_users=200, days=10, seed=1)
    ...     lines = (Path(tmp) / "weibo_statuses.jsonl").read_text(encoding="utf-8").splitlines()
    >>> truth.n_users, len(truth.segments["mothers"]) > 0, len(lines) > 0
    (200, True, True)

Command line (regenerates the shipped sample)::

    python -m store.synthetic --out data/samples/weibo_api --users 2000 --days 40 \\
        --end 2026-11-15 --seed 7 --truth data/samples/sample_truth.json
"""

from store.synthetic.cli import main
from store.synthetic.generate import generate_weibo_sample
from store.synthetic.truth import (
    HARD_NEGATIVE_KINDS,
    SEGMENTS,
    GroundTruth,
    read_ground_truth,
    write_ground_truth,
)

__all__ = [
    "HARD_NEGATIVE_KINDS",
    "SEGMENTS",
    "GroundTruth",
    "generate_weibo_sample",
    "main",
    "read_ground_truth",
    "write_ground_truth",
]
