"""The generator's entry point: users, circles and follows, posting, spread, then the files.

Each stage draws from one ``numpy.random.Generator`` seeded with ``seed``, in a fixed order, so the
same arguments give the same bytes (tests/store/test_synthetic.py pins them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from store.synthetic.cascades import spread
from store.synthetic.follows import assign_circles, follow_graph
from store.synthetic.kinds import BOT, CELEBRITY, ORGANISATION
from store.synthetic.people import Users, draw_users
from store.synthetic.posting import posting_streams, renewal_times
from store.synthetic.truth import HARD_NEGATIVE_KINDS, SEGMENTS, GroundTruth
from store.synthetic.vocabulary import Vocabulary, load_vocabulary
from store.synthetic.writers import write_weibo_api_files

__all__ = ["generate_weibo_sample"]


def generate_weibo_sample(
    out_dir: Path | str,
    *,
    n_users: int = 2000,
    days: int = 40,
    end_date: date = date(2026, 11, 15),
    seed: int = 7,
    mothers_share: float = 0.26,
    bot_share: float = 0.008,
    celebrity_share: float = 0.005,
    org_share: float = 0.01,
    hard_negative_share: float = 0.13,
    progress: Callable[[str], None] | None = None,
    vocabulary: Vocabulary | None = None,
) -> GroundTruth:
    """Generate a synthetic Weibo export into ``out_dir`` and return its ground truth.

    Writes ``weibo_statuses.jsonl`` (originals and reposts, sorted by ``created_at``) and
    ``weibo_comments.jsonl`` (sorted likewise), all dated within the Asia/Shanghai dates
    ``[end_date - days + 1, end_date]``. ``mothers_share`` is the share of users who are parents
    of young children; the other shares are of all users (``hard_negative_share`` of ordinary
    non-mothers). ``vocabulary`` defaults to the files in ``data/synthetic/``. Same arguments,
    same bytes.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     t = generate_weibo_sample(tmp, n_users=100, days=7, seed=3)
        >>> t.start_date, t.end_date
        (datetime.date(2026, 11, 9), datetime.date(2026, 11, 15))
    """
    if n_users < 1:
        raise ValueError(f"n_users must be at least 1, got {n_users}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not 0.0 <= mothers_share <= 1.0:
        raise ValueError(f"mothers_share must be in [0, 1], got {mothers_share}")
    vocab = vocabulary or load_vocabulary()
    out_dir = Path(out_dir)
    start = end_date - timedelta(days=days - 1)
    start_local = (start - date(1970, 1, 1)).days * 86400
    rng = np.random.default_rng(seed)

    users = draw_users(
        rng,
        vocab,
        n_users,
        mothers_share=mothers_share,
        bot_share=bot_share,
        celebrity_share=celebrity_share,
        org_share=org_share,
        hard_negative_share=hard_negative_share,
        start_local=start_local,
    )
    users.circle = assign_circles(rng, users, vocab)
    audiences = follow_graph(rng, users, vocab)
    if progress:
        progress(f"users and graph: {n_users} users, {audiences.followers.size} follow edges")

    streams = posting_streams(rng, users)
    stream, when = renewal_times(rng, streams.rate, streams.shape, float(days))
    activity = spread(rng, users, audiences, float(days), streams.user[stream], streams.kind[stream], when)
    del stream, when, audiences
    if progress:
        progress(f"spread: {activity.status_user.size} statuses, {activity.comment_user.size} comments")

    write_weibo_api_files(rng, out_dir, users, vocab, activity, start=start, days=days, progress=progress)
    return _ground_truth(users, vocab, seed=seed, start=start, end_date=end_date)


def _ground_truth(users: Users, vocab: Vocabulary, *, seed: int, start: date, end_date: date) -> GroundTruth:
    """Who is who, keyed by the users' id strings."""
    n = users.n
    ids = [str(x) for x in users.user_id.tolist()]
    segments: dict[str, frozenset[str]] = {}
    for s, name in enumerate(SEGMENTS):
        members = np.flatnonzero((users.segment == s) | (users.second_segment == s))
        segments[name] = frozenset(ids[i] for i in members.tolist())
    circle_l = users.circle.tolist()
    city_l = vocab.city_label_index[users.city].tolist()
    hn_l = users.hard_negative.tolist()

    def having(role: int) -> frozenset[str]:
        return frozenset(ids[i] for i in np.flatnonzero(users.role == role).tolist())

    return GroundTruth(
        seed=seed,
        n_users=n,
        start_date=start,
        end_date=end_date,
        segments=segments,
        circles={ids[i]: circle_l[i] for i in range(n)},
        cities={ids[i]: vocab.city_labels[city_l[i]] for i in range(n)},
        verified_orgs=having(ORGANISATION),
        celebrities=having(CELEBRITY),
        bots=having(BOT),
        hard_negatives={ids[i]: HARD_NEGATIVE_KINDS[hn_l[i]] for i in range(n) if hn_l[i] >= 0},
    )
