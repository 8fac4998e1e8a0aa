"""``tajian label``: teach a segment by labelling posts one at a time in a local web page.

Starts a small HTTP server (standard library) bound to 127.0.0.1 only, on a random port, prints
its URL and opens it in a browser when one is available. No account, no network: the page and
its script are served by this process, and every request must come from 127.0.0.1, name this
server in its Host header (no DNS rebinding) and carry the session's random token.

Posts come from the warehouse (those passing the segment's prefilter), chosen by
:func:`nlp.active.choose_posts`: mostly where the model (or, without one, the keyword rules) is
least sure, plus a fixed share of random posts, the only ones measured figures count. Each label
is written by a background thread in its own short transaction (:func:`store.labels.write_label`):
while an ingest or a run holds the warehouse, labels wait in memory (the page shows how many) and
are written as soon as it is free; Ctrl-C writes what is still waiting before it exits.

Example::

    tajian label --segment food --warehouse data/warehouse.duckdb
    tajian label --segment food --export food_labels.csv
    tajian label --segment food --import food_labels.csv
"""

from __future__ import annotations

import json
import queue
import secrets
import sys
import threading
import time
import webbrowser
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer

from flows.console import LangOption
from flows.messages import current_lang, tr, use_lang
from report.i18n import N_

__all__ = ["LabelSession", "label_command", "make_server"]

BATCH = 20
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
    ) -> None:
        self.warehouse, self.segment, self.pool, self.who = warehouse, segment, pool, who
        self.seed, self.random_share = seed, random_share
        ids = pool.posts["post_id"].astype(str).tolist()
        self.index = {p: i for i, p in enumerate(ids)}
        self.done = {self.index[p] for p in labelled["post_id"] if p in self.index}
        self.total = len(labelled)
        self.random = int((labelled["chosen_by"] == "random").sum())
        self.queue: deque = deque()
        self.history: list[tuple[int, str, str | None]] = []  # (index, chosen_by, label or None: skip)
        self.lock = threading.Lock()
        self.writes: queue.Queue = queue.Queue()
        self.in_flight = 0
        self.busy = False
        threading.Thread(target=self._writer, daemon=True).start()

    # -- choosing -------------------------------------------------------------------------
    def _refill(self) -> None:
        from nlp.active import choose_posts

        taken = self.done | {i for i, _, _ in self.history} | {c.index for c in self.queue}
        self.queue.extend(
            choose_posts(
                self.pool.proba,
                self.pool.posts["text"].tolist(),
                n=BATCH,
                exclude=taken,
                cut=self.pool.cut,
                random_share=self.random_share,
                seed=self.seed + len(self.history) + self.total,
            )
        )

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
            raise ValueError(f"label must be yes, no, unsure or skip; got {label!r}")
        with self.lock:
            if not self.queue or str(self.pool.posts["post_id"].iloc[self.queue[0].index]) != post_id:
                raise ValueError(f"post {post_id!r} is not the one on the page; reload the page")
            c = self.queue.popleft()
            if label == "skip":
                self.history.append((c.index, c.chosen_by, None))
            else:
                text = self.pool.posts["text"].iloc[c.index]
                self.writes.put(Label(self.segment.name, post_id, label, self.who, c.chosen_by, text=text))
                self.history.append((c.index, c.chosen_by, label))
                self.total += 1
                self.random += c.chosen_by == "random"
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
                    self.random -= chosen_by == "random"
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
                self._send(403, "only this machine (127.0.0.1) may use this page", "text/plain")
                return False
            given = (
                self.headers.get("X-Tajian-Token")
                if api
                else parse_qs(urlsplit(self.path).query).get("t", [""])[0]
            )
            if not secrets.compare_digest(given or "", token):
                self._send(
                    403, "wrong or missing session token: open the URL tajian label printed", "text/plain"
                )
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
                self._send(404, "not found", "text/plain")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path not in ("/api/label", "/api/undo"):
                self._send(404, "not found", "text/plain")
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    print(tr("error: {why}").format(why=message), file=sys.stderr)
    return typer.Exit(code)


def _start_session(
    segment: str, warehouse: Path, who: str, seed: int, random_share: float, segments_dir: Path
) -> tuple[LabelSession, str, str]:
    from nlp.label_pool import score_pool
    from nlp.segment_status import segment_status
    from nlp.segments import SegmentDefinitionError, load_segment
    from report.label_page import label_page
    from report.segment_text import segment_notes
    from store.labels import read_candidate_posts, read_labels
    from store.warehouse import WarehouseError

    try:
        seg = load_segment(segment, segments_dir)
        status = segment_status(segment, segments_dir)
        if not warehouse.is_file():
            raise FileNotFoundError(
                tr("{path}: no warehouse there; load posts first with tajian ingest").format(path=warehouse)
            )
        posts = read_candidate_posts(warehouse)
        labelled = read_labels(warehouse, segment)
    except (SegmentDefinitionError, FileNotFoundError, WarehouseError) as exc:
        raise _fail(str(exc), 1) from None
    classifier, note = _classifier(segment, segments_dir)
    pool = score_pool(posts, seg, classifier)
    scorer = tr(_SCORERS[pool.scorer]) if pool.scorer in _SCORERS else pool.scorer
    pooled = tr(
        "{segment}: {n:,} of {of:,} posts pass the prefilter; {done:,} already labelled; scored by {scorer}"
    )
    line = pooled.format(segment=segment, n=len(pool.posts), of=len(posts), done=len(labelled), scorer=scorer)
    print(line + (tr(" ({note})").format(note=note) if note else ""))
    for line in segment_notes(status, current_lang()):
        print(line)
    token = secrets.token_urlsafe(16)
    session = LabelSession(warehouse, seg, pool, labelled, who=who, seed=seed, random_share=random_share)
    return session, label_page(segment, seg.description, token=token, draft=status["draft"]), token


#: what scored the labelling pool (:class:`nlp.label_pool.LabelPool`'s ``scorer``)
_SCORERS = {"model": N_("the model"), "rules": N_("the keyword rules")}


def _classifier(segment: str, segments_dir: Path) -> tuple[Any | None, str]:
    """The segment's model when there is a fresh one, else (None, why)."""
    path = segments_dir.parent / "models" / f"{segment}.joblib"
    if not path.is_file():
        return None, tr("no model yet")
    from nlp.model_files import ModelMismatchError, load_model

    try:
        return load_model(segment, path=path, segments_dir=segments_dir), ""
    except ModelMismatchError as exc:
        return None, tr("the model is stale, retrain it with tajian train: {why}").format(why=str(exc)[:200])


def label_command(
    segment: Annotated[str, typer.Option(help="segment name (data/segments/<name>.toml)")],
    warehouse: Annotated[Path | None, typer.Option(help="warehouse file (default from settings)")] = None,
    who: Annotated[str, typer.Option(help="your name, recorded with each label")] = "analyst",
    export: Annotated[
        Path | None, typer.Option("--export", help="write the segment's labels to this CSV and exit")
    ] = None,
    import_: Annotated[
        Path | None, typer.Option("--import", help="load labels from this CSV (id,text,label) and exit")
    ] = None,
    random_share: Annotated[
        float, typer.Option(help="share of posts drawn at random (the ones measured figures use)")
    ] = 0.3,
    seed: Annotated[int, typer.Option(help="random seed of the choice of posts")] = 0,
    port: Annotated[int, typer.Option(help="port (default 0: a free one)")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="print the URL only")] = False,
    lang: LangOption = None,
) -> None:
    """Label posts for a segment in a local web page (127.0.0.1 only): y 是 / n 否 / u 不确定 /
    space 跳过 / z 撤销. Labels go to the warehouse's labels table, one short write each, so
    ingests and runs go on meanwhile. Ctrl-C ends the session."""
    from flows.settings import SettingsError, load_settings

    try:
        settings = load_settings().replace(lang=lang)
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    use_lang(settings.lang)
    if not 0 <= random_share <= 1:
        raise typer.BadParameter(
            tr("random-share must be between 0 and 1; got {value}").format(value=random_share)
        )
    wh = Path(warehouse) if warehouse else settings.warehouse
    if export or import_:
        _export_import(segment, wh, export, import_, who)
        return
    session, page, token = _start_session(segment, wh, who, seed, random_share, settings.segments_dir)
    server = make_server(session, page, token, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/?t={token}"
    print(tr("labelling page: {url}\nCtrl-C ends the session").format(url=url), flush=True)
    if not no_browser:
        threading.Thread(target=lambda: webbrowser.open(url), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if not session.flush(60):
            lost = tr("{n} labels could not be written: the warehouse stayed locked")
            print(tr("error: {why}").format(why=lost.format(n=session.writes.qsize())), file=sys.stderr)
            raise typer.Exit(1)
        print(tr("{n} labels written to {path}").format(n=sum(1 for h in session.history if h[2]), path=wh))


def _export_import(segment: str, wh: Path, export: Path | None, import_: Path | None, who: str) -> None:
    from store.labels import LabelFileError, export_labels, import_labels
    from store.warehouse import WarehouseError

    try:
        if import_:
            n = import_labels(wh, segment, import_, labelled_by=who)
            print(
                tr("{file}: {n} labels of {segment} loaded into {path}").format(
                    file=import_, n=n, segment=segment, path=wh
                )
            )
        if export:
            n = export_labels(wh, segment, export)
            print(
                tr("{file}: wrote {n} labels of {segment} from {path}").format(
                    file=export, n=n, segment=segment, path=wh
                )
            )
    except (LabelFileError, FileNotFoundError, WarehouseError) as exc:
        raise _fail(str(exc), 1) from None
