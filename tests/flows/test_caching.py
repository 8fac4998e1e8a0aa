"""Task caching in the pipeline: parsing an export is cached on (code version, path, size, mtime,
format); loading it, which writes to the warehouse, never is."""

from __future__ import annotations

import os
import shutil

from flows.exports import export_cache_key
from store.warehouse import open_warehouse


def test_parse_is_cached_per_file_state_and_load_always_runs(prefect_harness, sample_dir, tmp_path):
    from prefect import flow

    from flows.pipeline import ingest_exports

    @flow(name="ingest only")
    def ingest_only(warehouse: str, paths: list[str]) -> list[dict]:
        return ingest_exports(warehouse, paths)

    exports = tmp_path / "exports"
    exports.mkdir()
    for f in sample_dir.glob("*.jsonl"):
        shutil.copy(f, exports)
    wh = str(tmp_path / "w.duckdb")

    first = ingest_only(wh, [str(exports)])
    assert [r["parse_cached"] for r in first] == [False, False]
    assert all(r["loaded"] > 0 for r in first)

    again = ingest_only(wh, [str(exports)])  # same files: parsed batches come from the cache
    assert [r["parse_cached"] for r in again] == [True, True]
    # ... but the loads ran: every row is counted again, as a duplicate this time
    assert [r["duplicates"] for r in again] == [r["rows_read"] - r["quarantined"] for r in first]
    con = open_warehouse(wh, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 4
    finally:
        con.close()

    # a file that changed (new mtime) is parsed again; the other still comes from the cache
    comments = exports / "weibo_comments.jsonl"
    before = export_cache_key(comments)
    st = comments.stat()
    os.utime(comments, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert export_cache_key(comments) != before
    third = ingest_only(wh, [str(exports)])
    cached = {os.path.basename(r["source"]): r["parse_cached"] for r in third}
    assert cached == {"weibo_comments.jsonl": False, "weibo_statuses.jsonl": True}
