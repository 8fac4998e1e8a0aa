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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


def _strip_comments(data: bytes) -> bytes:
    """The text with its ``#`` comment lines blanked (line numbers stay the same)."""
    if b"#" not in data:
        return data
    out = bytearray(data)
    at = data.find(b"#")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        if not data[start:at].strip():  # '#' opens the line: a comment
            out[start:end] = b" " * (end - start)
        at = data.find(b"#", end)
    return bytes(out)


def _from_codes(codes: np.ndarray, labels: list[str]) -> SnapEdges:
    """Edges from vertex codes (all sources, then all destinations), dropping self-loops and
    duplicates."""
    m = len(codes) // 2
    src, dst = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    loops = src == dst
    src, dst = src[~loops], dst[~loops]
    n = len(labels)
    key = src * max(n, 1) + dst
    _, first = np.unique(key, return_index=True)
    first.sort()  # keep the file's order
    dups = len(src) - len(first)
    return SnapEdges(
        labels=labels,
        src=src[first],
        dst=dst[first],
        dropped_self_loops=int(loops.sum()),
        dropped_duplicates=int(dups),
    )


def _factorize_ints(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes in order of first appearance, and the labels, for integer node ids."""
    uniq, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inverse], uniq[order].astype(str).tolist()


def _factorize_tokens(tokens: list[str]) -> tuple[np.ndarray, list[str]]:
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(t, len(index)) for t in tokens), dtype=np.int64, count=len(tokens))
    return codes, list(index)


def parse_snap_edges(lines: Iterable[str], where: str = "edge list") -> SnapEdges:
    """Parse edge-list lines (extra columns after ``src dst`` are ignored)."""
    src, dst = _check_lines(lines, where)
    codes, labels = _factorize_tokens(src + dst)
    return _from_codes(codes, labels)


_WS = np.zeros(256, dtype=bool)
_WS[list(b" \t\r\n\v\f")] = True


def _two_labels_per_line(body: bytes) -> tuple[bool, np.ndarray, np.ndarray]:
    """Whether every non-blank line holds exactly two labels; with the labels' start and end
    offsets (vectorised: no Python loop over lines)."""
    b = np.frombuffer(body, dtype=np.uint8)
    ws = _WS[b]
    edge = np.diff(np.concatenate(([True], ws, [True])).astype(np.int8))
    starts = np.flatnonzero(edge == -1)  # a label starts after whitespace
    ends = np.flatnonzero(edge == 1)
    line = np.cumsum(b == 10)  # line number (0-based) of each byte
    per_line = np.bincount(line[starts]) if len(starts) else np.zeros(0, dtype=np.int64)
    return bool(np.all((per_line == 0) | (per_line == 2))), starts, ends


def read_snap_edges(path: str | Path) -> SnapEdges:
    """Read a SNAP edge list file (``.gz`` is decompressed).

    Integer labels (the usual SNAP files) are parsed in bulk by numpy; other labels by a plain
    split of the text. A line with one label fails with its line number."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such edge-list file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot read the edge list ({exc})") from None
    body = _strip_comments(data)
    ok, starts, ends = _two_labels_per_line(body)
    if not ok:  # the slow path: exact line numbers for errors, extra columns ignored
        return parse_snap_edges(data.decode("utf-8", errors="replace").splitlines(), str(path))
    if len(starts) == 0:
        return _from_codes(np.zeros(0, dtype=np.int64), [])
    b = np.frombuffer(body, dtype=np.uint8)
    if (
        not body.translate(None, b"0123456789 \t\r\n\v\f")
        and not np.any(ends - starts > 18)
        and not np.any((b[starts] == 48) & (ends - starts > 1))
    ):  # no "007": labels stay text
        values = np.fromstring(body, dtype=np.int64, sep=" ")
        if len(values) != len(starts):  # pragma: no cover - the checks above rule it out
            raise ValueError(f"{path}: expected {len(starts)} integer labels; numpy read {len(values)}")
        codes, labels = _factorize_ints(values.reshape(-1, 2).T.ravel())
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: byte {exc.start} is not UTF-8; expected a text edge list") from None
        tokens = text.split()
        codes, labels = _factorize_tokens(tokens[0::2] + tokens[1::2])
    return _from_codes(codes, labels)
