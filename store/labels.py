"""An analyst's yes / no / unsure judgements of posts, per segment: the ``labels`` table.

Each label is written in its own short transaction on a connection opened for it and closed
right after (:func:`write_label`, :func:`delete_label`): a labelling session never holds the
warehouse's writer lock, so scheduled runs and ingests go on meanwhile. DuckDB allows one writing
process; while another holds the file, a write is retried for ``wait_s`` seconds and then raises
:class:`store.warehouse.WarehouseBusyError` (the caller keeps the label and tries again later).

A post has at most one label per segment: labelling it again replaces the label. ``chosen_by``
says how the post was put in front of the labeller: ``active`` (the model was unsure),
``random`` (a uniform draw: only these count for measured figures), ``held_out`` (a uniform draw
set aside to measure the model: when a segment has such labels they alone are measured on and the
``random`` ones all train; :mod:`nlp.label_training`) or ``import`` (a CSV).

CSV files are ``id,text,label`` (label 1 / 0 / unsure) plus ``chosen_by,labelled_by,labelled_at``;
:func:`export_labels` guards every cell against spreadsheet formulas.

Example:
    >>> import tempfile, pathlib
    >>> wh = pathlib.Path(tempfile.mkdtemp()) / "w.duckdb"
    >>> write_label(wh, Label("food", "p1", "yes", "ana", "random", text="今天做了红烧肉"))
    >>> read_labels(wh, "food")[["post_id", "label", "chosen_by"]].values.tolist()
    [['p1', 'yes', 'random']]
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from store.warehouse import WarehouseBusyError, open_warehouse, transaction

__all__ = [
    "CHOSEN_BY",
    "CSV_COLUMNS",
    "LABELS_SCHEMA",
    "LABEL_VALUES",
    "Label",
    "LabelFileError",
    "delete_label",
    "export_labels",
    "import_labels",
    "read_candidate_posts",
    "read_labels",
    "write_label",
    "write_ops",
]

LABEL_VALUES = ("yes", "no", "unsure")
CHOSEN_BY = ("active", "random", "import", "held_out")
CSV_COLUMNS = ("id", "text", "label", "chosen_by", "labelled_by", "labelled_at")
_CSV_LABEL = {"yes": "1", "no": "0", "unsure": "unsure"}
_FROM_CSV = {"1": "yes", "0": "no", "unsure": "unsure", "yes": "yes", "no": "no", "u": "unsure"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LABELS_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    segment VARCHAR NOT NULL, post_id VARCHAR NOT NULL, label VARCHAR NOT NULL,
    labelled_by VARCHAR, labelled_at TIMESTAMPTZ, chosen_by VARCHAR NOT NULL, text VARCHAR
);
"""


class LabelFileError(ValueError):
    """A labels CSV cannot be imported; the message names the file, the row and the field."""


@dataclass(frozen=True)
class Label:
    """One judgement: ``label`` in yes / no / unsure, ``chosen_by`` in active / random / import / held_out."""

    segment: str
    post_id: str
    label: str
    labelled_by: str
    chosen_by: str
    text: str | None = None
    labelled_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.label not in LABEL_VALUES:
            raise ValueError(f"label must be one of {', '.join(LABEL_VALUES)}; got {self.label!r}")
        if self.chosen_by not in CHOSEN_BY:
            raise ValueError(f"chosen_by must be one of {', '.join(CHOSEN_BY)}; got {self.chosen_by!r}")


def _connect(warehouse: str | Path) -> duckdb.DuckDBPyConnection:
    """A plain connection (no schema migration: a label write stays short); a file another process
    holds raises :class:`WarehouseBusyError` at once, any other problem is reported as
    :func:`store.warehouse.open_warehouse` reports it."""
    try:
        return duckdb.connect(str(warehouse))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"{warehouse}: the warehouse is locked by another process: an ingest or a run is in "
                "progress; the label is kept and written when it finishes",
                str(warehouse),
            ) from exc
        return open_warehouse(warehouse, retries=0)


def _short_write(warehouse: str | Path, transactions: list[list[tuple[str, list]]], wait_s: float) -> None:
    """Open, run each list of statements in its own transaction, close; a locked file is retried
    for ``wait_s`` seconds, then :class:`WarehouseBusyError`."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = _connect(warehouse)
        except WarehouseBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
            continue
        try:
            con.execute(LABELS_SCHEMA)
            for statements in transactions:
                with transaction(con):
                    for sql, params in statements:
                        con.execute(sql, params)
            return
        finally:
            con.close()


def _statements(op: Label | tuple[str, str]) -> list[tuple[str, list]]:
    """The statements of one label (replace) or one ``(segment, post_id)`` deletion."""
    segment, post_id = (op.segment, op.post_id) if isinstance(op, Label) else op
    out = [("DELETE FROM labels WHERE segment = ? AND post_id = ?", [segment, post_id])]
    if isinstance(op, Label):
        row = [op.segment, op.post_id, op.label, op.labelled_by, op.labelled_at, op.chosen_by, op.text]
        out.append(("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?)", row))
    return out


def write_label(warehouse: str | Path, label: Label, *, wait_s: float = 2.0) -> None:
    """Write (or replace) one label in its own transaction; the warehouse is closed afterwards."""
    write_ops(warehouse, [label], wait_s=wait_s)


def delete_label(warehouse: str | Path, segment: str, post_id: str, *, wait_s: float = 2.0) -> None:
    """Remove a post's label (undo), in its own short transaction."""
    write_ops(warehouse, [(segment, post_id)], wait_s=wait_s)


def write_ops(warehouse: str | Path, ops: list[Label | tuple[str, str]], *, wait_s: float = 2.0) -> None:
    """Labels to write and ``(segment, post_id)`` labels to delete, in order, each in its own
    transaction, on one connection opened for them and closed right after (a labelling session
    that fell behind catches up with one open, not one per label)."""
    _short_write(warehouse, [_statements(op) for op in ops], wait_s)


def read_labels(warehouse: str | Path, segment: str) -> pd.DataFrame:
    """The segment's labels, oldest first: segment, post_id, label, labelled_by, labelled_at,
    chosen_by, text. Opened read-only (an empty frame when the table does not exist yet)."""
    empty = pd.DataFrame(
        columns=["segment", "post_id", "label", "labelled_by", "labelled_at", "chosen_by", "text"]
    )
    if not Path(warehouse).is_file():
        return empty
    con = open_warehouse(warehouse, read_only=True)
    try:
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels'"
        ).fetchone()[0]
        if not has:
            return empty
        return con.execute(
            "SELECT * FROM labels WHERE segment = ? ORDER BY labelled_at, post_id", [segment]
        ).df()
    finally:
        con.close()


def read_candidate_posts(warehouse: str | Path, limit: int | None = None) -> pd.DataFrame:
    """Posts to label: post_id, user_id, text, context (the text of the post it reposts, or None),
    newest first; read-only, closed afterwards."""
    con = open_warehouse(warehouse, read_only=True)
    try:
        sql = (
            "SELECT p.post_id, p.user_id, p.text, q.text AS context FROM posts p "
            "LEFT JOIN posts q ON q.post_id = p.repost_of AND q.platform = p.platform "
            "WHERE p.text IS NOT NULL AND p.text <> '' ORDER BY p.created_at DESC, p.post_id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return con.execute(sql).df()
    finally:
        con.close()


def safe_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula.

    >>> safe_cell("=1+1"), safe_cell("红烧肉")
    ("'=1+1", '红烧肉')
    """
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_labels(warehouse: str | Path, segment: str, path: str | Path) -> int:
    """Write the segment's labels to ``path`` (UTF-8 with BOM, :data:`CSV_COLUMNS`); returns rows."""
    labels = read_labels(warehouse, segment)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in labels.itertuples(index=False):
            when = pd.Timestamp(r.labelled_at).tz_convert("UTC").isoformat() if r.labelled_at else ""
            w.writerow(
                [safe_cell(v) for v in (r.post_id, r.text, _CSV_LABEL[r.label], r.chosen_by, r.labelled_by)]
                + [when]
            )
    return len(labels)


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START and text[1:] else text


def import_labels(
    warehouse: str | Path, segment: str, path: str | Path, *, labelled_by: str = "import"
) -> int:
    """Load an ``id,text,label`` CSV (label 1/0/unsure; optional chosen_by, labelled_by,
    labelled_at) into the labels table, one short transaction for the file; returns rows.

    A row without ``chosen_by`` counts as ``import`` (never as a random draw)."""
    path = Path(path)
    if not path.is_file():
        raise LabelFileError(f"{path}: no such file; expected a CSV with columns id,text,label")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0].keys()) if rows else []
    missing = [c for c in ("id", "text", "label") if rows and c not in header]
    if missing or not rows:
        raise LabelFileError(
            f"{path}: expected a CSV with columns id,text,label; got "
            + (", ".join(header) if rows else "no data rows")
        )
    statements: list[tuple[str, list]] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        value = _FROM_CSV.get(row["label"].strip().lower())
        chosen = (row.get("chosen_by") or "import").strip()
        post_id = _unguard(row["id"].strip())
        if value is None or chosen not in CHOSEN_BY or not post_id or post_id in seen:
            what = (
                f"label {row['label']!r} (expected 1, 0 or unsure)"
                if value is None
                else f"chosen_by {chosen!r} (expected {', '.join(CHOSEN_BY)})"
                if chosen not in CHOSEN_BY
                else f"id {post_id!r} (expected a unique, non-empty id)"
            )
            raise LabelFileError(f"{path}, line {n}: {what}")
        seen.add(post_id)
        when = row.get("labelled_at") or datetime.now(UTC).isoformat()
        statements.append(("DELETE FROM labels WHERE segment = ? AND post_id = ?", [segment, post_id]))
        statements.append(
            (
                "INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    segment,
                    post_id,
                    value,
                    row.get("labelled_by") or labelled_by,
                    when,
                    chosen,
                    _unguard(row["text"]),
                ],
            )
        )
    _short_write(warehouse, [statements], wait_s=10.0)
    return len(rows)
