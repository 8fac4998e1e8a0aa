"""The labelling page's session and server (``tajian label``, :mod:`flows.label_cli`).

:class:`LabelSession` holds the pool of posts, picks the next batch and writes each label in its own
short transaction from a background thread; :func:`make_server` serves the page on 127.0.0.1 only,
checking every request's address, Host header and token.

Example::

    server = make_server(session, page, token)  # port 0: a free one
    threading.Thread(target=server.serve_forever, daemon=True).start()
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flows.messages import tr

__all__ = ["BATCH", "PAUSE_S", "RANDOM_DRAWS", "LabelSession", "make_server"]

BATCH = 20
#: ``chosen_by`` of the uniform random draws the page counts ("random" and the held-out set's)
RANDOM_DRAWS = ("random", "held_out")
#: Seconds between two writes of a session: an ingest or a run waiting for the file gets it.
PAUSE_S = 1.0


class LabelSession:
    """One labeller's session: the queue of posts to show, the writes waiting, the undo history."""

    def __init__(
        self,
        warehouse: Path,
        segment: Any,
        pool: Any,
        labelled: Any,
        *,
        who: str,
        seed: int,
        random_share: float,
        held_out: bool = False,
    ) -> None:
        self.warehouse, self.segment, self.pool, self.who = warehouse, segment, pool, who
        # held_out: every post drawn at random into the held-out set (chosen_by "held_out")
        self.seed, self.random_share, self.held_out = seed, 1.0 if held_out else random_share, held_out
        ids = pool.posts["post_id"].astype(str).tolist()
        self.index = {p: i for i, p in enumerate(ids)}
        self.done = {self.index[p] for p in labelled["post_id"] if p in self.index}
        self.total = len(labelled)
        self.random = int(labelled["chosen_by"].isin(RANDOM_DRAWS).sum())
        self.queue: deque = deque()
        self.history: list[tuple[int, str, str | None]] = []  # (index, chosen_by, label or None: skip)
        self.lock = threading.Lock()
        self.writes: queue.Queue = queue.Queue()
        self.in_flight = 0
        self.busy = False
        threading.Thread(target=self._writer, daemon=True).start()

    # -- choosing -------------------------------------------------------------------------
    def _refill(self) -> None:
        from nlp.active import Choice, choose_posts

        taken = self.done | {i for i, _, _ in self.history} | {c.index for c in self.queue}
        chosen = choose_posts(
            self.pool.proba,
            self.pool.posts["text"].tolist(),
            n=BATCH,
            exclude=taken,
            cut=self.pool.cut,
            random_share=self.random_share,
            seed=self.seed + len(self.history) + self.total,
        )
        if self.held_out:
            chosen = [Choice(c.index, "held_out") for c in chosen]
        self.queue.extend(chosen)

    def _current(self) -> dict[str, Any] | None:
        from nlp.label_pool import post_view

        if not self.queue:
            self._refill()
        if not self.queue:
            return None
        c = self.queue[0]
        row = self.pool.posts.iloc[c.index]
        return {
            "post_id": str(row["post_id"]),
            "chosen_by": c.chosen_by,
            "score": float(self.pool.proba[c.index]),
            "cut": self.pool.cut,
            "scorer": self.pool.scorer,
            **post_view(row["text"], self.segment),
        }

    def state(self) -> dict[str, Any]:
        """What the page shows: the current post and the counts."""
        with self.lock:
            return {
                "post": self._current(),
                "session": sum(1 for h in self.history if h[2]),
                "total": self.total,
                "random": self.random,
                "pending": self.writes.qsize() + self.in_flight,
            }

    # -- judging --------------------------------------------------------------------------
    def judge(self, post_id: str, label: str) -> dict[str, Any]:
        """Label (yes / no / unsure) or skip the current post; the write is queued."""
        from store.labels import LABEL_VALUES, Label

        if label not in (*LABEL_VALUES, "skip"):
            raise ValueError(tr("label must be yes, no, unsure or skip; got {label!r}").format(label=label))
        with self.lock:
            if not self.queue or str(self.pool.posts["post_id"].iloc[self.queue[0].index]) != post_id:
                why = tr("post {post_id!r} is not the one on the page; reload the page")
                raise ValueError(why.format(post_id=post_id))
            c = self.queue.popleft()
            if label == "skip":
                self.history.append((c.index, c.chosen_by, None))
            else:
                text = self.pool.posts["text"].iloc[c.index]
                self.writes.put(Label(self.segment.name, post_id, label, self.who, c.chosen_by, text=text))
                self.history.append((c.index, c.chosen_by, label))
                self.total += 1
                self.random += c.chosen_by in RANDOM_DRAWS
        return self.state()

    def undo(self) -> dict[str, Any]:
        """Take back the last label or skip: its post is shown again (its label row deleted)."""
        from nlp.active import Choice

        with self.lock:
            if self.history:
                index, chosen_by, label = self.history.pop()
                self.queue.appendleft(Choice(index, chosen_by))
                if label is not None:
                    self.writes.put((self.segment.name, str(self.pool.posts["post_id"].iloc[index])))
                    self.total -= 1
                    self.random -= chosen_by in RANDOM_DRAWS
        return self.state()

    # -- writing --------------------------------------------------------------------------
    def _writer(self) -> None:
        """Write what is queued, each label in its own transaction, one short open per batch; a
        busy warehouse is retried, with a pause after every write so other writers get their turn."""
        from store.labels import write_ops
        from store.warehouse import WarehouseBusyError

        while True:
            ops = [self.writes.get()]
            while not self.writes.empty():
                ops.append(self.writes.get_nowait())
            with self.lock:
                self.in_flight = len(ops)
            while True:
                try:
                    write_ops(self.warehouse, ops, wait_s=1.0)
                    self.busy = False
                    break
                except WarehouseBusyError:
                    self.busy = True
                    time.sleep(1.0)
            with self.lock:
                self.in_flight = 0
            time.sleep(PAUSE_S)

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the queued writes; True when all are written."""
        deadline = time.monotonic() + timeout
        while self.writes.qsize() + self.in_flight and time.monotonic() < deadline:
            time.sleep(0.1)
        return not (self.writes.qsize() + self.in_flight)


def _handler(session: LabelSession, page: str, token: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: the terminal shows the URL only
            pass

        def _send(self, code: int, body: str, kind: str = "application/json") -> None:
            data = body.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; "
                "style-src 'unsafe-inline'; connect-src 'self'",
            )
            self.end_headers()
            self.wfile.write(data)

        def _allowed(self, api: bool) -> bool:
            port = self.server.server_address[1]
            host_ok = self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}")
            if self.client_address[0] != "127.0.0.1" or not host_ok:
                self._send(403, tr("only this machine (127.0.0.1) may use this page"), "text/plain")
                return False
            given = (
                self.headers.get("X-Tajian-Token")
                if api
                else parse_qs(urlsplit(self.path).query).get("t", [""])[0]
            )
            if not secrets.compare_digest(given or "", token):
                why = tr("wrong or missing session token: open the URL tajian label printed")
                self._send(403, why, "text/plain")
                return False
            return True

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/" and self._allowed(api=False):
                self._send(200, page, "text/html")
            elif path == "/api/next" and self._allowed(api=True):
                self._send(200, json.dumps(session.state(), ensure_ascii=False))
            elif path == "/favicon.ico":  # browsers ask for one; there is none
                self.send_response(204)
                self.end_headers()
            elif path not in ("/", "/api/next"):
                self._send(404, tr("not found"), "text/plain")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path not in ("/api/label", "/api/undo"):
                self._send(404, tr("not found"), "text/plain")
                return
            if not self._allowed(api=True):
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                result = (
                    session.undo()
                    if path == "/api/undo"
                    else session.judge(str(body.get("post_id")), str(body.get("label")))
                )
            except ValueError as exc:
                self._send(400, str(exc), "text/plain")
                return
            self._send(200, json.dumps(result, ensure_ascii=False))

    return Handler


def make_server(session: LabelSession, page: str, token: str, port: int = 0) -> ThreadingHTTPServer:
    """The page's server, bound to 127.0.0.1 (``port`` 0: a free one); call ``serve_forever``."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(session, page, token))
    server.daemon_threads = True
    return server
