"""The Prefect server's global concurrency limits every warehouse writer holds (the warehouse's,
and one per segment), so a served daily run and a backfill or a `tajian run` never write at once.

Example::

    with warehouse_slot("mothers"):  # against a server; does nothing without PREFECT_API_URL
        ...  # write to the warehouse
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WAREHOUSE_LIMIT", "ensure_concurrency_limits", "segment_limit", "warehouse_slot"]


#: The global concurrency limit (limit 1) every warehouse writer holds: daily runs and backfills.
WAREHOUSE_LIMIT = "tajian-warehouse"
_ensured: set[tuple[str, str]] = set()


def segment_limit(segment: str) -> str:
    """The name of a segment's global concurrency limit (limit 1): one run of it at a time."""
    return f"tajian-segment-{segment}"


def ensure_concurrency_limits(names: list[str], limit: int = 1) -> None:
    """Create (or reset to ``limit``) the server's global concurrency limits ``names``."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value())
    with get_client(sync_client=True) as client:
        for name in names:
            client.upsert_global_concurrency_limit_by_name(name, limit)
            _ensured.add((api, name))


@contextmanager
def warehouse_slot(segment: str | None = None) -> Iterator[None]:
    """Hold the warehouse's global concurrency slot (and the segment's, when given) while writing.

    Against a Prefect server (``PREFECT_API_URL`` set, also inside the test harness) the limits are
    created when missing and acquired, so a served daily run and a backfill never write at once.
    Without a server (ephemeral mode) there is no shared place to hold a lock, and no
    ``tajian serve`` can be running, so this does nothing: DuckDB's own file lock (retried by
    ``open_warehouse``) remains the guard.
    """
    from prefect.concurrency.sync import concurrency
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        yield
        return
    names = [WAREHOUSE_LIMIT] + ([segment_limit(segment)] if segment else [])
    missing = [n for n in names if (str(api), n) not in _ensured]
    if missing:
        ensure_concurrency_limits(missing)
    # a killed holder's slots come back after the lease (the server's shortest), not 5 minutes
    with concurrency(names, occupy=1, strict=True, lease_duration=60):
        yield
