"""Run leases: at most one live run of a ``(segment, as_of)`` per warehouse, with no server.

A run holds a *lease* on its day for its whole life: a lock file beside the warehouse,
``<warehouse>.leases/<segment>-<as_of>.lease``, locked with ``flock`` and holding its owner
(run id, pid, host, start), a heartbeat refreshed every few seconds, and a small *journal* of
what the run has left on disk that is not yet final (its staging folder, an output swap in
progress). The kernel releases the lock when the process ends, however it ends (``kill -9``
included), so a lease can never be held by a dead process: the next run of that day takes it
over, and first undoes what the dead run left half-done (:func:`recover`): its staging folder,
a half-swapped output folder, its rows in the warehouse (its run row is marked failed). Where
``flock`` cannot be trusted (a network filesystem), the holder's record is checked too
(:func:`looks_alive`: its pid on this host, its heartbeat from another host).

A second run of a day that is held waits up to ``wait_s`` seconds, then raises
:class:`LeaseHeldError` naming the holder. Within one process a held lease is re-entered
(``tajian run`` takes it before Prefect starts; the flow it then runs takes it again).

Example:
    >>> import tempfile, pathlib
    >>> from datetime import date
    >>> wh = pathlib.Path(tempfile.mkdtemp()) / "w.duckdb"
    >>> with run_lease(wh, "mothers", date(2026, 11, 15)) as lease:
    ...     lease.path.name, lease.info["pid"] == os.getpid()
    ('mothers-2026-11-15.lease', True)
    >>> lease_path(wh, "mothers", date(2026, 11, 15)).exists()  # released and removed
    False
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "HEARTBEAT_S",
    "STALE_S",
    "LeaseHeldError",
    "RunLease",
    "acquire_lease",
    "held_lease",
    "lease_dir",
    "lease_path",
    "looks_alive",
    "note",
    "read_holder",
    "recover",
    "run_lease",
    "swap_in",
    "undo_files",
]

#: How often a holder rewrites its heartbeat (seconds).
HEARTBEAT_S = 5.0
#: A holder on another host without a heartbeat for this long is taken for dead (seconds).
STALE_S = 6 * HEARTBEAT_S

_held: dict[str, RunLease] = {}  # this process's leases, by lock-file path
_held_lock = threading.Lock()


class LeaseHeldError(RuntimeError):
    """Another live process holds the lease of this ``(segment, as_of)``."""

    def __init__(self, path: Path, segment: str, as_of: date, holder: dict[str, Any], waited: float) -> None:
        self.path, self.segment, self.as_of, self.holder, self.waited = path, segment, as_of, holder, waited
        who = holder.get("run_id") or "a run that has not started its run row yet"
        super().__init__(
            f"{segment} {as_of.isoformat()} is being run by {who} (pid {holder.get('pid', '?')} on "
            f"{holder.get('host', '?')}, started {holder.get('started_at', '?')}, heartbeat "
            f"{holder.get('heartbeat_at', '?')}); lease file {path}"
        )


def lease_dir(warehouse: str | Path) -> Path:
    """The folder of a warehouse's leases: ``<warehouse>.leases`` beside it (absolute)."""
    return Path(f"{Path(warehouse).resolve()}.leases")


def lease_path(warehouse: str | Path, segment: str, as_of: date) -> Path:
    """The lock file of ``(segment, as_of)`` in ``warehouse``'s lease folder."""
    return lease_dir(warehouse) / f"{segment}-{as_of.isoformat()}.lease"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(fd: int) -> dict[str, Any] | None:
    """The JSON a lock file holds (None when empty or unreadable: a holder killed while writing)."""
    raw = os.pread(fd, 1 << 20, 0)
    if not raw.strip():
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def read_holder(path: str | Path) -> dict[str, Any]:
    """What a lock file says about its holder (empty when it says nothing); never locks."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return {}
    try:
        return _read(fd) or {}
    finally:
        os.close(fd)


class RunLease:
    """A held lease. ``info`` is what its lock file says (owner, heartbeat, journal);
    ``previous`` is what the file said when it was taken over from a dead holder (None when the
    day was free). Use :func:`run_lease`, which also recovers and releases."""

    def __init__(self, path: Path, fd: int, segment: str, as_of: date, previous: dict[str, Any] | None):
        self.path, self.fd, self.segment, self.as_of, self.previous = path, fd, segment, as_of, previous
        self.info: dict[str, Any] = {
            "segment": segment,
            "as_of": as_of.isoformat(),
            "owner": uuid.uuid4().hex,
            "run_id": None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": _now(),
            "heartbeat_at": _now(),
        }
        #: set once the run's outcome is final (published, or failed and cleaned up): then the
        #: lock file is removed on release; otherwise it stays, for the next holder to recover
        self.settled = False
        self.depth = 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def _write(self) -> None:
        data = json.dumps(self.info, ensure_ascii=False, sort_keys=True).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def start(self) -> None:
        """Write this holder's record over the previous one and start the heartbeat."""
        with self._lock:
            self._write()
        self._beat = threading.Thread(target=self._heartbeat, name=f"lease {self.path.name}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with self._lock:
                if self._stop.is_set():
                    return
                self.info["heartbeat_at"] = _now()
                with suppress(OSError):  # a full disk: the lock itself still holds; try later
                    self._write()

    def note(self, **fields: Any) -> None:
        """Record ``fields`` (run id, staging folder, output swap; None removes) in the journal."""
        with self._lock:
            for key, value in fields.items():
                if value is None:
                    self.info.pop(key, None)
                else:
                    self.info[key] = value
            self._write()

    def release(self) -> None:
        """Stop the heartbeat and unlock; the lock file is removed only when the run settled."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=2 * HEARTBEAT_S)
        with _held_lock:
            _held.pop(str(self.path), None)
        try:
            if self.settled or not _needs_recovery(self.info):
                with suppress(FileNotFoundError):
                    self.path.unlink()
            else:  # the journal stays for the next holder, marked as no one's
                self.info["released"] = True
                with suppress(OSError):
                    self._write()
        finally:
            os.close(self.fd)  # unlocks
        with suppress(OSError):
            self.path.parent.rmdir()  # the last lease of this warehouse: no empty folder left


def _needs_recovery(info: dict[str, Any]) -> bool:
    """Whether a lock file's journal names anything a later holder might have to undo."""
    return bool(info.get("run_id") or info.get("staging") or info.get("swap") or info.get("taking_over"))


def held_lease(warehouse: str | Path, segment: str, as_of: date) -> RunLease | None:
    """This process's lease of ``(segment, as_of)``, if it holds it."""
    with _held_lock:
        return _held.get(str(lease_path(warehouse, segment, as_of)))


def note(warehouse: str | Path, segment: str, as_of: date, **fields: Any) -> None:
    """:meth:`RunLease.note` on this process's lease of the day; nothing when it holds none
    (a step run alone, outside a run)."""
    lease = held_lease(warehouse, segment, as_of)
    if lease is not None:
        lease.note(**fields)


def _try_lock(path: Path) -> tuple[int | None, dict[str, Any]]:
    """Open and lock ``path``: ``(fd, {})`` when locked, ``(None, holder)`` when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd) or {}
        os.close(fd)
        return None, holder
    except BaseException:
        os.close(fd)
        raise
    try:
        same = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # its holder removed it as we opened it: lock the new file instead
        os.close(fd)
        return None, {"retry": True}
    return fd, {}


def acquire_lease(
    warehouse: str | Path,
    segment: str,
    as_of: date,
    *,
    wait_s: float = 0.0,
    poll_s: float = 0.25,
    on_wait: Callable[[dict[str, Any]], None] | None = None,
) -> RunLease:
    """Take the lease of ``(segment, as_of)`` (or re-enter this process's), waiting up to
    ``wait_s`` seconds while another live process holds it (``on_wait(holder)`` is told once),
    then :class:`LeaseHeldError`. The new holder's record is not written yet: see :func:`run_lease`.
    """
    path = lease_path(warehouse, segment, as_of)
    with _held_lock:
        mine = _held.get(str(path))
        if mine is not None:
            mine.depth += 1
            return mine
    started = time.monotonic()
    told = False
    while True:
        try:
            fd, holder = _try_lock(path)
        except FileNotFoundError:  # the folder was removed by a releasing holder: again
            continue
        if fd is not None:
            previous = _read(fd)
            if previous and looks_alive(previous):  # flock said free, the holder's record not
                os.close(fd)
                holder = previous
            else:
                lease = RunLease(path, fd, segment, as_of, previous)
                with _held_lock:
                    _held[str(path)] = lease
                return lease
        if holder.get("retry"):
            continue
        waited = time.monotonic() - started
        if waited >= wait_s:
            raise LeaseHeldError(path, segment, as_of, holder, waited)
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        time.sleep(min(poll_s, max(0.0, wait_s - waited)))


def _pid_alive(pid: object) -> bool:
    try:
        os.kill(int(pid), 0)  # type: ignore[arg-type]
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, TypeError, ValueError):
        return True  # someone else's process, or no pid to check: assume alive
    return True


def looks_alive(holder: dict[str, Any], stale_s: float = STALE_S) -> bool:
    """Whether a lock file's record says its holder may still be running, for the case where
    ``flock`` cannot be trusted (a network filesystem that does not share locks): its heartbeat
    is younger than ``stale_s`` and, on this host, its pid is alive. A holder killed on this host
    is dead at once; one on another host after ``stale_s`` without a heartbeat."""
    if holder.get("released"):
        return False
    try:
        beat = datetime.fromisoformat(str(holder.get("heartbeat_at")))
    except ValueError:
        return False
    if (datetime.now(UTC) - beat).total_seconds() > stale_s:
        return False
    if holder.get("host") == socket.gethostname():
        return holder.get("pid") != os.getpid() and _pid_alive(holder.get("pid"))
    return True


def _remove_tree(path: str | None) -> bool:
    if path and os.path.lexists(path):
        shutil.rmtree(path)
        return True
    return False


def _same_folder(path: str, ino: int | None) -> bool:
    try:
        return ino is not None and os.stat(path).st_ino == ino
    except FileNotFoundError:
        return False


def undo_files(journal: dict[str, Any], published: bool) -> list[str]:
    """Put a run's output files back in order from its ``journal``: remove its staging folder,
    and finish (``published``) or undo a swap of its output folder. Idempotent; returns what it did.

    A swap journal is ``{final, old, staged, staged_ino}``: ``final`` was moved aside to ``old``
    (None when there was no final folder), then ``staged`` (whose inode is ``staged_ino``) was
    renamed to ``final``. Undoing removes ``final`` when it is the staged folder, and moves
    ``old`` back.
    """
    done = []
    swap = journal.get("swap") or {}
    final, old = swap.get("final"), swap.get("old")
    if swap and published:
        if _remove_tree(old):
            done.append(f"removed the replaced output folder {old}")
    elif swap:
        if final and _same_folder(final, swap.get("staged_ino")):
            shutil.rmtree(final)
            done.append(f"removed the unpublished output folder {final}")
        if old and os.path.lexists(old) and final and not os.path.lexists(final):
            os.replace(old, final)
            done.append(f"restored the previous output folder {final}")
    for staged in (journal.get("staging"), swap.get("staged")):
        if _remove_tree(staged):
            done.append(f"removed the staging folder {staged}")
    return done


def swap_in(
    staged: Path, final: Path, commit: Callable[[], None], note: Callable[..., None] = lambda **_: None
) -> bool:
    """Replace the folder ``final`` by ``staged`` and ``commit()`` (the warehouse's publish),
    as one step for whoever looks: ``final`` is moved aside, ``staged`` renamed into place, then
    ``commit`` runs; if it fails the swap is undone, else the old folder is removed. The swap is
    journalled through ``note(swap=…)`` before anything moves (and cleared after), so a process
    killed anywhere in between is put back in order by :func:`undo_files` (the next holder's
    :func:`recover`): undone unless the commit happened, finished if it did. Returns False when
    the old folder could not be removed after the commit (the journal keeps it for later).
    """
    final = Path(final).resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(staged).resolve()
    swap = {
        "final": str(final),
        "old": str(final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:6]}")) if final.exists() else None,
        "staged": str(folder),
        "staged_ino": os.stat(folder).st_ino,
    }
    note(swap=swap)
    try:
        if swap["old"]:
            os.replace(final, swap["old"])
        os.replace(folder, final)
        commit()
    except BaseException:
        undo_files({"swap": swap}, published=False)
        note(swap=None, staging=None)
        raise
    try:
        undo_files({"swap": swap}, published=True)  # removes the old folder
    except OSError:  # published all the same; the journal stays, the next holder removes it
        return False
    note(swap=None, staging=None)
    return True


def recover(warehouse: str | Path, journal: dict[str, Any], error: str) -> list[str]:
    """Undo what a dead holder's ``journal`` says it left half-done: its files
    (:func:`undo_files`) and, unless its run was published, its warehouse rows (its run row is
    marked failed with ``error``). Returns what it did, for the log."""
    from store.warehouse import discard_run, open_warehouse, run_status

    done = []
    if journal.get("taking_over"):  # that holder died while taking over from another
        done += recover(warehouse, journal["taking_over"], error)
    run_id = journal.get("run_id")
    status = None
    con = None
    if run_id:
        con = open_warehouse(warehouse)
    try:
        if con is not None:
            status = run_status(con, run_id)
        done += undo_files(journal, published=status == "succeeded")
        if con is not None and status != "succeeded" and discard_run(con, run_id, error):
            done.append(f"removed the rows of run {run_id} and marked it failed")
    finally:
        if con is not None:
            con.close()
    return done


@contextmanager
def run_lease(
    warehouse: str | Path,
    segment: str,
    as_of: date,
    *,
    wait_s: float = 0.0,
    on_wait: Callable[[dict[str, Any]], None] | None = None,
    on_recover: Callable[[dict[str, Any], list[str]], None] | None = None,
) -> Iterator[RunLease]:
    """Hold the lease of ``(segment, as_of)`` for the ``with`` block (see the module's doc).

    Taking over from a dead holder first runs :func:`recover` on its journal (``on_recover``
    is told what was done); if that fails, the journal is left for the next holder and the
    error raised. On leaving, the lock file is removed when the run settled
    (``lease.settled``) or never recorded anything to undo; else it stays, journal included.
    """
    lease = acquire_lease(warehouse, segment, as_of, wait_s=wait_s, on_wait=on_wait)
    if lease.depth > 1:  # re-entered: the outer holder recovers and releases
        try:
            yield lease
        finally:
            lease.depth -= 1
        return
    previous = lease.previous if lease.previous and _needs_recovery(lease.previous) else None
    if previous is not None:  # its journal goes into ours: if we die too, the next one undoes both
        lease.info["taking_over"] = previous
    lease.start()  # from here a run refused or waiting sees this holder, not the dead one
    try:
        if previous is not None:
            why = (
                f"killed: its process (pid {previous.get('pid', '?')} on {previous.get('host', '?')}) "
                f"ended without finishing; a later run took over {segment} {as_of.isoformat()} "
                f"at {_now()} and removed its partial rows"
            )
            done = recover(warehouse, previous, why)
            lease.note(taking_over=None)
            if on_recover is not None:
                on_recover(previous, done)
    except BaseException:
        lease.settled = False  # the dead holder's journal stays, in ours, for the next holder
        lease.release()
        raise
    try:
        yield lease
    finally:
        lease.release()
