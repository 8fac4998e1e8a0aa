"""SNAP-style edge lists: whitespace-separated ``src dst`` lines, ``#`` comments, maybe gzipped.

``src`` influences ``dst``. Node labels are kept as text exactly as written (``007`` stays
``007``); self-loops and duplicate edges are dropped. Vertex ``i`` is ``labels[i]``, numbered in
order of first appearance, so the same file always gives the same arrays.

Example:
    >>> edges = parse_snap_edges(["# a comment", "1 2", "2\\t3", "1 2", "3 3", ""])
    >>> edges.labels, edges.src.tolist(), edges.dst.tolist(), edges.dropped_self_loops
    (['1', '2', '3'], [0, 1], [1, 2], 1)
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SnapEdges", "parse_snap_edges", "read_snap_edges"]


@dataclass(frozen=True)
class SnapEdges:
    """An edge list as vertex indices into ``labels``."""

    labels: list[str]
    src: np.ndarray
    dst: np.ndarray
    dropped_self_loops: int
    dropped_duplicates: int

    @property
    def n(self) -> int:
        return len(self.labels)


def _from_columns(src_raw: np.ndarray, dst_raw: np.ndarray) -> SnapEdges:
    codes, uniq = pd.factorize(np.concatenate([src_raw, dst_raw]), sort=False)
    m = len(src_raw)
    src, dst = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    loops = src == dst
    src, dst = src[~loops], dst[~loops]
    n = len(uniq)
    key = src * max(n, 1) + dst
    _, first = np.unique(key, return_index=True)
    first.sort()  # keep the file's order
    dups = len(src) - len(first)
    return SnapEdges(labels=[str(x) for x in uniq], src=src[first], dst=dst[first],
                     dropped_self_loops=int(loops.sum()), dropped_duplicates=int(dups))


def _check_lines(lines: Iterable[str], where: str) -> tuple[list[str], list[str]]:
    src, dst = [], []
    for no, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split()
        if len(parts) < 2:
            raise ValueError(
                f"{where}, line {no}: expected two node labels 'src dst' separated by whitespace; "
                f"got {line.rstrip()!r}"
            )
        src.append(parts[0])
        dst.append(parts[1])
    return src, dst


def parse_snap_edges(lines: Iterable[str], where: str = "edge list") -> SnapEdges:
    """Parse edge-list lines (extra columns after ``src dst`` are ignored)."""
    src, dst = _check_lines(lines, where)
    return _from_columns(np.asarray(src, dtype=object), np.asarray(dst, dtype=object))


def read_snap_edges(path: str | Path) -> SnapEdges:
    """Read a SNAP edge list file (``.gz`` is decompressed); fast path through pandas."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such edge-list file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot read the edge list ({exc})") from None
    try:
        df = pd.read_csv(io.BytesIO(data), sep=r"\s+", comment="#", header=None, dtype=str,
                         usecols=[0, 1], names=["src", "dst"], engine="c", encoding="utf-8",
                         skip_blank_lines=True)
        if df.isna().any().any():
            raise ValueError("a line with one label")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        # slow path for the exact line and message
        text = data.decode("utf-8", errors="replace").splitlines()
        return parse_snap_edges(text, str(path))
    return _from_columns(df["src"].to_numpy(dtype=object), df["dst"].to_numpy(dtype=object))
