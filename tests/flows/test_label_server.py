"""``tajian label`` in real processes: labelling 30 posts from the keyboard in headless Chromium
while a ``tajian ingest`` runs beside it, one undo, the labels table checked afterwards; and the
server refusing what does not come from this machine with its token.

The warehouse holds 120 real posts (the texts of tests/data/food_labels.csv); the ingest loads the
shipped sample into the same file, holding the writer lock for a while: labels made meanwhile wait
in the server and are written when it is free.
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from store.labels import read_labels
from store.warehouse import open_warehouse
from tests.conftest import ROOT, SAMPLE_DIR, missing
from tests.report.test_report_e2e import CHROMIUM_ARGS, _chinese_fonts

N_POSTS = 120


def _posts() -> list[str]:
    with open(ROOT / "tests" / "data" / "food_labels.csv", encoding="utf-8-sig", newline="") as f:
        return [r["text"] for r in csv.DictReader(f)][:N_POSTS]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A warehouse of real posts and ``tajian label`` serving it: (process, url, port, warehouse)."""
    wh = tmp_path_factory.mktemp("label") / "w.duckdb"
    con = open_warehouse(wh)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    con.executemany(
        "INSERT INTO posts (post_id, platform, user_id, created_at, text) VALUES (?, 'weibo', ?, ?, ?)",
        [(f"t{i}", f"u{i % 7}", now, text) for i, text in enumerate(_posts())],
    )
    con.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "label",
            "--segment",
            "food",
            "--warehouse",
            str(wh),
            "--no-browser",
            "--seed",
            "3",
            "--who",
            "test",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines = []
    url = None
    deadline = time.monotonic() + 240
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/\?t=\S+", line)
        url = found.group(0) if found else None
    if url is None:
        proc.kill()
        pytest.fail("tajian label printed no URL:\n" + "".join(lines))
    yield proc, url, int(re.search(r":(\d+)/", url).group(1)), wh
    proc.terminate()
    proc.wait(timeout=60)


def _get(port: int, path: str, host: str | None = None, headers: dict | None = None) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.putrequest("GET", path, skip_host=True)
    c.putheader("Host", host or f"127.0.0.1:{port}")
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    status = c.getresponse().status
    c.close()
    return status


def test_the_server_refuses_what_is_not_local(server):
    _, url, port, _ = server
    token = url.split("?t=")[1]
    assert _get(port, f"/?t={token}") == 200
    assert _get(port, "/") == 403  # no token
    assert _get(port, "/api/next") == 403
    assert _get(port, "/api/next", headers={"X-Tajian-Token": token}) == 200
    assert _get(port, f"/?t={token}", host=f"evil.example:{port}") == 403  # DNS rebinding
    # bound to 127.0.0.1 only: this machine's other addresses do not answer
    others = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {
        "127.0.0.1",
        "127.0.1.1",
    }
    others |= {
        ip
        for ip in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
        if "." in ip
    }
    if not others:
        missing("this machine has no address besides loopback to try")
    for ip in others:
        with pytest.raises(OSError):
            socket.create_connection((ip, port), timeout=3).close()


@pytest.mark.browser
@pytest.mark.slow
def test_label_30_posts_with_the_keyboard_during_an_ingest(chromium, server):
    if "Noto Sans CJK" not in _chinese_fonts():
        missing("fonts-noto-cjk is not installed: Chinese would show as boxes")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed: it is in requirements.lock (make install)")
    _, url, _, wh = server
    keys = {"y": "yes", "n": "no", "u": "unsure"}
    pressed: list[tuple[str, str]] = []
    ingest = None
    shots = ROOT / "out" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            # the page's CSP forbids eval; playwright's wait_for_function evaluates strings
            context = browser.new_context(viewport={"width": 1100, "height": 800}, bypass_csp=True)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            page.wait_for_function("document.body.dataset.postId")
            page.screenshot(path=str(shots / "label-page.png"))
            for i in range(30):
                if i == 8:  # an ingest starts and holds the warehouse's writer lock
                    ingest = subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "flows.cli",
                            "ingest",
                            str(SAMPLE_DIR),
                            "--warehouse",
                            str(wh),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                        env={**os.environ, "PYTHONPATH": str(ROOT)},
                        cwd=ROOT,
                    )
                post = page.evaluate("document.body.dataset.postId")
                key = "yynyuny"[i % 7]
                page.keyboard.press(key)
                page.wait_for_function("p => document.body.dataset.postId !== p", arg=post)
                pressed.append((post, keys[key]))
            skipped = page.evaluate("document.body.dataset.postId")
            page.keyboard.press(" ")  # space skips: nothing written
            page.wait_for_function("p => document.body.dataset.postId !== p", arg=skipped)
            page.keyboard.press("z")  # undo the skip: the skipped post is back
            page.wait_for_function("p => document.body.dataset.postId === p", arg=skipped)
            last = pressed[-1][0]
            page.keyboard.press("Backspace")  # undo the last label: its post is back, its row deleted
            page.wait_for_function("p => document.body.dataset.postId === p", arg=last)
            assert "已标为" not in page.inner_text("#meta")
            ingest_out = ingest.communicate(timeout=600)[1]
            assert ingest.returncode == 0, ingest_out
            page.wait_for_function("document.getElementById('pending').textContent === ''", timeout=120_000)
            page.screenshot(path=str(shots / "label-page-after.png"))
        finally:
            browser.close()
    assert errors == []
    table = read_labels(wh, "food")
    want = dict(pressed[:-1])
    assert len(table) == 29
    assert dict(zip(table["post_id"], table["label"], strict=True)) == want
    assert set(table["labelled_by"]) == {"test"}
    assert set(table["chosen_by"]) <= {"active", "random"}
    con = open_warehouse(wh, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] > N_POSTS  # the ingest loaded
    finally:
        con.close()
