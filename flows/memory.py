"""Giving freed memory back to the system between the steps of a run.

A run's steps share one process: what the tag step freed stays in the process's heaps (glibc's
arenas, Arrow's memory pool) and counts in its RSS through the select and report steps, where
it is never used again (at 1M users the select step began about a gigabyte above what it
needs). :func:`give_back_memory` returns it; it changes no result.

Example:
    >>> give_back_memory()  # any time; a no-op where the C library has no malloc_trim
"""

from __future__ import annotations

import ctypes
import gc
import sys

__all__ = ["give_back_memory"]


def give_back_memory() -> None:
    """Collect Python's unreachable objects, then hand the heaps' free pages back to the system:
    Arrow's pool (``release_unused``) and glibc's arenas (``malloc_trim``, on Linux)."""
    gc.collect()
    pool = sys.modules.get("pyarrow")  # only when something already uses Arrow
    if pool is not None:
        pool.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        # the symbols this process already has (never ctypes.util.find_library: it forks
        # ldconfig, a copy of this whole process to the system's memory count)
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
        if trim is not None:  # glibc; musl and others have none
            trim(0)
