"""``--help`` laid out by display width, so Chinese help wraps and lines up on a terminal.

click measures text in characters; a Chinese character takes two terminal columns, so its help
ran twice as wide as the terminal and its columns were misaligned. :func:`wrap_wide` breaks lines
by display width: between any two Chinese characters (not before closing punctuation such as
，。）), and at spaces between Latin words. :class:`WideHelpFormatter` uses it for the help text
and the option table, and says click's and typer's own labels ("Usage:", "Options",
"[default: …]") in the language of the command's help.

Example:
    >>> display_width("人群 name")
    9
    >>> wrap_wide("在数据仓库上运行一次流水线，写到 out/<segment>/", 20)
    ['在数据仓库上运行一次', '流水线，写到', 'out/<segment>/']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from typer.core import TyperCommand

from report.i18n import N_

__all__ = ["WideHelpFormatter", "display_width", "wrap_wide"]

#: click's and typer's labels in help pages, in our catalogue
LABELS = {
    "Usage: ": N_("Usage: "),
    "Options:": N_("Options:"),
    "Arguments:": N_("Arguments:"),
    "Commands:": N_("Commands:"),
    "[default: ": N_("[default: "),
    "[required]": N_("[required]"),
}
_NO_LINE_START = set("，。、；：！？）」』】》,.;:!?)]%")
_NO_LINE_END = set("（「『【《“")
_TOKENS = re.compile(
    r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+"
)


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide (Chinese, full-width) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    """Words, single Chinese characters and spaces; closing punctuation joins what is before it,
    opening punctuation what is after it."""
    out: list[str] = []
    for token in _TOKENS.findall(text):
        joins_before = token[0] in _NO_LINE_START or (out and out[-1][-1] in _NO_LINE_END)
        if out and not out[-1].isspace() and not token.isspace() and joins_before:
            out[-1] += token
        else:
            out.append(token)
    return out


def wrap_wide(text: str, width: int) -> list[str]:
    """``text`` (one paragraph) in lines of at most ``width`` columns (a longer word stays whole)."""
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _paragraphs(text: str) -> list[str]:
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


_Base: Any = TyperCommand.context_class.formatter_class  # click's HelpFormatter (typer vendors click)


class WideHelpFormatter(_Base):  # type: ignore[misc]
    """click's help formatter, measuring by display width and speaking ``gettext``'s language."""

    gettext: Callable[[str], str] = staticmethod(lambda text: text)

    def _label(self, text: str) -> str:
        return self.gettext(LABELS.get(text, text))

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, self._label("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self._label(heading + ':')}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 20)
        blocks = ["\n".join(indent + line for line in wrap_wide(par, width)) for par in _paragraphs(text)]
        self.write("\n\n".join(blocks) + "\n")

    def _localized(self, second: str) -> str:
        for label in ("[default: ", "[required]"):
            second = second.replace(label, self._label(label))
        return second

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, self._localized(second)) for first, second in rows]
        first_col = min(max((display_width(first) for first, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        pad = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + pad)
            lines = [line for par in _paragraphs(second) for line in wrap_wide(par, text_width)]
            self.write((lines[0] if lines else "") + "\n")
            for line in lines[1:]:
                self.write(f"{pad}{line}\n")
