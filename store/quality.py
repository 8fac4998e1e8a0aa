"""What a warehouse's data is, said truthfully: whether it holds the synthetic sample, and why
each file's rows were quarantined (counted by kind, with one example).

Plain queries over an open warehouse connection; the flows print or report what they return.

Example:
    >>> from store.warehouse import open_warehouse
    >>> con = open_warehouse(":memory:")
    >>> sample_sources(con, Path("data/samples")), quarantine_summary(con, "a.csv")
    ([], [])
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import duckdb

from store.fields import file_sha256

__all__ = [
    "ReasonCount",
    "quarantine_summary",
    "sample_sources",
]


def _under(source: str, root: Path) -> bool:
    try:
        Path(source).resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def sample_sources(con: duckdb.DuckDBPyConnection, samples_dir: Path) -> list[str]:
    """The loaded files (``loads.source``) that are the shipped synthetic sample: under
    ``samples_dir``, or with the same bytes as one of its files (a copy, or a path relative to
    another folder). Non-empty means the warehouse's runs would mix the sample with real data."""
    root = Path(samples_dir).resolve()
    digests = {
        file_sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".jsonl", ".json", ".csv", ".gz") and p.name != "sample_truth.json"
    }
    rows = con.execute("SELECT DISTINCT source, sha256 FROM loads ORDER BY source").fetchall()
    found = [str(src) for src, digest in rows if src and (digest in digests or _under(str(src), root))]
    return list(dict.fromkeys(found))


class ReasonCount(NamedTuple):
    """How many rows of a file were quarantined for one kind of reason, and the first such
    row's reason (file and line stripped) as the example."""

    count: int
    reason: str


_WHERE = re.compile(r"^.*?, line \d+: ")
# the row's own value inside a reason ("field 'id' is '4.91E+15'; …"), so reasons group by kind
_VALUE = re.compile(r"""\bis (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+?)(?=[;,)]|$)""")


def quarantine_summary(con: duckdb.DuckDBPyConnection, source: str, top: int = 3) -> list[ReasonCount]:
    """The ``top`` commonest kinds of quarantine reason of the file ``source``, commonest first:
    reasons that differ only in the row's value count together (``field 'id' is '4.91E+15'`` and
    ``… is '5.02E+15'``), the first row's reason stands for them.

    Example:
        >>> from store.warehouse import open_warehouse
        >>> con = open_warehouse(":memory:")
        >>> _ = con.execute("INSERT INTO quarantine VALUES ('a.csv', 2, 'x', 'a.csv, line 2: "
        ...                 "field ''id'' is ''4.91E+15''; expected digits', now()), ('a.csv', 3, 'y', "
        ...                 "'a.csv, line 3: field ''id'' is ''5E+15''; expected digits', now())")
        >>> quarantine_summary(con, "a.csv")
        [ReasonCount(count=2, reason="field 'id' is '4.91E+15'; expected digits")]
    """
    rows = con.execute(
        "SELECT reason FROM quarantine WHERE source = ? ORDER BY line, reason", [source]
    ).fetchall()
    groups: dict[str, list] = {}
    for (reason,) in rows:
        why = " ".join(_WHERE.sub("", str(reason or ""), count=1).split())
        key = _VALUE.sub("is …", why)
        if key in groups:
            groups[key][0] += 1
        else:
            groups[key] = [1, why]
    ranked = sorted(groups.values(), key=lambda g: -g[0])  # stable: first seen first among ties
    return [ReasonCount(n, why) for n, why in ranked[: max(top, 0)]]
