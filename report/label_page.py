"""The labelling page of ``tajian label``: one self-contained HTML page (no network, no files).

Rendered from ``report/templates/label_page.html.j2`` with autoescaping. The page asks its local
server for one post at a time (``GET api/next``) and sends each judgement back (``POST api/label``,
``POST api/undo``) with the session's token in ``X-Tajian-Token``. Post text is data: the script
puts it in the page with ``textContent`` only, never as markup.

Keys: y 是 / n 否 / u 不确定 / space 跳过 / z or Backspace 撤销.

Example:
    >>> html = label_page("food", "<美食>", token="t0k", draft=True)
    >>> "&lt;美食&gt;" in html, "草稿" in html, 'content="t0k"' in html
    (True, True, True)
"""

from __future__ import annotations

from pathlib import Path

import jinja2

__all__ = ["label_page"]


def label_page(segment: str, description: str, *, token: str, draft: bool) -> str:
    """The page's HTML for ``segment`` (its description under the title; ``draft`` adds a notice
    that the segment is a draft: not yet shown to be found well enough)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=True
    )
    return env.get_template("label_page.html.j2").render(
        segment=segment, description=description.strip(), token=token, draft=draft
    )
