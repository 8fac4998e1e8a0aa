"""The report as a person sees it: rendered by headless Chromium with the CJK fonts."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from report.html import ReportInputs, write_report
from tests.conftest import ROOT, missing

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def chinese_fonts() -> str:
    out = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True,
                         check=False).stdout
    return out


def screenshot(chromium: str, html: Path, png: Path, tmp: Path, height: int = 1600) -> None:
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
         f"--window-size=1280,{height}", f"--screenshot={png}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def dump_dom(chromium: str, html: Path, tmp: Path) -> str:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile-dom'}", "--dump-dom",
         html.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout


@pytest.mark.browser
def test_report_renders_chinese_and_keeps_the_probe_inert(chromium, tmp_path):
    if "Noto Sans CJK" not in chinese_fonts():
        missing("fonts-noto-cjk is not installed: Chinese would show as boxes")
    inputs = replace(ReportInputs.example(), segment_description="母亲：谈论自己孩子的家长")
    html = write_report(inputs, tmp_path / "report.html")
    dom = dump_dom(chromium, html, tmp_path)
    # the XSS probe in the screen name stays text: no script element runs or exists
    assert "<script>alert(1)</script>" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "母亲：谈论自己孩子的家长" in dom
    png = tmp_path / "report.png"
    screenshot(chromium, html, png, tmp_path)
    assert png.stat().st_size > 20_000
    keep = ROOT / "out" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    (keep / "report-example.png").write_bytes(png.read_bytes())
