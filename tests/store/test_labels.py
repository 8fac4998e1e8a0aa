"""The labels table: one short transaction per label, CSV export guarded, import checked, and a
write waits for (never takes over) a warehouse another process is writing."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from store.labels import (
    Label,
    LabelFileError,
    delete_label,
    export_labels,
    import_labels,
    read_labels,
    write_label,
)
from store.warehouse import WarehouseBusyError, open_warehouse


def test_write_replace_delete(tmp_path):
    wh = tmp_path / "w.duckdb"
    write_label(wh, Label("food", "p1", "yes", "ana", "random", text="红烧肉"))
    write_label(wh, Label("food", "p1", "no", "ana", "random", text="红烧肉"))  # relabel replaces
    write_label(wh, Label("food", "p2", "unsure", "ana", "active", text="火锅"))
    write_label(wh, Label("mothers", "p1", "yes", "ana", "import"))
    got = read_labels(wh, "food")
    assert got[["post_id", "label", "chosen_by"]].values.tolist() == [
        ["p1", "no", "random"],
        ["p2", "unsure", "active"],
    ]
    delete_label(wh, "food", "p2")
    assert read_labels(wh, "food")["post_id"].tolist() == ["p1"]
    assert read_labels(wh, "mothers")["post_id"].tolist() == ["p1"]
    # the connection is closed after each write: another process can open the file at once
    con = open_warehouse(wh, retries=0)
    con.close()


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="label must be one of yes, no, unsure; got 'maybe'"):
        Label("food", "p1", "maybe", "ana", "random")
    with pytest.raises(ValueError, match="chosen_by must be one of active, random, import"):
        Label("food", "p1", "yes", "ana", "guess")


def test_export_guards_formulas_and_import_round_trips(tmp_path):
    wh = tmp_path / "w.duckdb"
    write_label(wh, Label("food", "=1+1", "yes", "ana", "random", text='=HYPERLINK("x")'))
    write_label(wh, Label("food", "p2", "no", "@bob", "active", text="-2 好吃"))
    out = tmp_path / "labels.csv"
    assert export_labels(wh, "food", out) == 2
    text = out.read_text(encoding="utf-8-sig")
    assert "'=1+1,'=HYPERLINK" in text.replace('"', "")
    assert ",'-2 好吃,0,active,'@bob," in text
    other = tmp_path / "other.duckdb"
    assert import_labels(other, "food", out) == 2
    back = read_labels(other, "food").set_index("post_id")
    assert back.loc["=1+1", "text"] == '=HYPERLINK("x")'
    assert back.loc["=1+1", "chosen_by"] == "random"
    assert back.loc["p2", "label"] == "no"


def test_import_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,label\na,好吃,1\nb,难吃,maybe\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"bad.csv, line 3: label 'maybe' \(expected 1, 0 or unsure\)"):
        import_labels(tmp_path / "w.duckdb", "food", bad)
    cols = tmp_path / "cols.csv"
    cols.write_text("post,label\na,1\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="expected a CSV with columns id,text,label; got post, label"):
        import_labels(tmp_path / "w.duckdb", "food", cols)
    dup = tmp_path / "dup.csv"
    dup.write_text("id,text,label\na,x,1\na,y,0\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="line 3: id 'a' \\(expected a unique, non-empty id\\)"):
        import_labels(tmp_path / "w.duckdb", "food", dup)


HOLD = "time.sleep(60)"


def test_a_write_waits_for_another_writer(tmp_path):
    """Another process holds the warehouse (as an ingest does): the write waits, then gives up
    with WarehouseBusyError; once the file is free the same write goes through."""
    wh = tmp_path / "w.duckdb"
    open_warehouse(wh).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(wh)!r}); print('held', flush=True); {HOLD}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match="locked by another process"):
            write_label(wh, Label("food", "p1", "yes", "ana", "random"), wait_s=0.3)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    write_label(wh, Label("food", "p1", "yes", "ana", "random"), wait_s=10)
    assert time.monotonic() < deadline
    assert read_labels(wh, "food")["post_id"].tolist() == ["p1"]
