"""The command line's ``--help`` in the analyst's language (Chinese by default, English on request).

Typer builds the click commands from the options' ``help=`` texts when ``tajian`` starts, before
any option is parsed. Those texts are English gettext message ids, marked ``N_(...)`` where they
are written (flows/*_cli.py) and translated in ``report/locale/zh/LC_MESSAGES/tajian.po`` like
every other message (``make i18n``). When a help page is shown, the ``tajian`` group and its
commands (:class:`LocalizedGroup`, :class:`LocalizedCommand`) translate the whole tree into the
language :func:`help_lang` finds: ``--lang`` on the command line, else the ``lang`` setting
(TAJIAN_LANG or the settings file; Chinese by default). Every ``--segment`` option also lists the
draft segments of the settings' data folder (not yet shown to be found well enough).

Example:
    >>> import typer
    >>> from typer.main import get_command
    >>> tiny = typer.Typer()
    >>> @tiny.command(help="where outputs go")
    ... def demo(seed: int = typer.Option(0, help="random seed of the selection")) -> None: ...
    >>> command = get_command(tiny)
    >>> localize(command, "zh")
    >>> command.help, command.params[0].help
    ('输出写到哪里', '选种的随机种子')
    >>> help_lang(["run", "--lang", "en", "-h"], "zh")
    'en'
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from typer.core import TyperCommand, TyperGroup

from flows.help_format import WideHelpFormatter
from report.i18n import N_, check_lang, translations

__all__ = ["LocalizedCommand", "LocalizedGroup", "help_lang", "localize"]

#: click's own text for -h/--help, in our catalogue
HELP_OPTION_TEXT = N_("show this help and exit")
_DRAFTS = N_("; drafts, not yet shown to be found well enough in real posts: {names}")


def help_lang(argv: Sequence[str], default: str) -> str:
    """The language of the help: ``--lang X`` (or ``--lang=X``) in ``argv``, else ``default`` (the
    ``lang`` setting). An unknown value falls back to ``default`` (the command then refuses it with
    its own message)."""
    for index, arg in enumerate(argv):
        value = None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:
            with suppress(ValueError):
                return check_lang(value)
    return check_lang(default)


def _drafts_note(lang: str, segments_dir: Path | None) -> str:
    from nlp.segment_status import draft_segments

    with suppress(Exception):  # a broken segments folder is reported by the command itself
        names = draft_segments(segments_dir)
        if names:
            return translations(lang).gettext(_DRAFTS).format(names=", ".join(names))
    return ""


def localize(command: Any, lang: str, segments_dir: Path | None = None) -> None:
    """Translate ``command``'s help, its options' help and metavars, and those of its
    subcommands (a typer-built click command or group), into ``lang``, in place; ``--segment``
    lists the drafts of ``segments_dir`` (default the project's). The English message ids are
    kept, so it may be called again with another language."""
    _localize(command, translations(lang).gettext, _drafts_note(lang, segments_dir))


def _original(thing: Any, field: str) -> Any:
    """The English message id of ``thing.field``, kept the first time it is translated."""
    ids = thing.__dict__.setdefault("_tajian_msgids", {})
    return ids.setdefault(field, getattr(thing, field, None))


def _localize(command: Any, gettext: Any, drafts: str) -> None:
    for field in ("help", "short_help"):
        if _original(command, field):
            setattr(command, field, gettext(_original(command, field)))
    if isinstance(command, _HelpInLanguage):
        command.help_option_text = gettext(HELP_OPTION_TEXT)
        command.help_gettext = gettext
    for param in command.params:
        if _original(param, "help"):
            param.help = gettext(_original(param, "help")) + (drafts if param.name == "segment" else "")
        if getattr(param, "param_type_name", "") == "option" and _original(param, "metavar"):
            param.metavar = gettext(_original(param, "metavar"))
    for sub in getattr(command, "commands", {}).values():  # typer's group (its click is vendored)
        _localize(sub, gettext, drafts)


_BaseContext: Any = TyperCommand.context_class  # click's Context (typer vendors click)


class _HelpContext(_BaseContext):  # type: ignore[misc]
    formatter_class = WideHelpFormatter

    def make_formatter(self) -> Any:
        formatter = super().make_formatter()
        formatter.gettext = getattr(self.command, "help_gettext", None) or formatter.gettext
        return formatter


class _HelpInLanguage:
    """Help in the language of :func:`help_lang`, found when the help is shown (not when the
    command is built: a test's environment is only set then), laid out by display width."""

    context_class = _HelpContext
    help_option_text = HELP_OPTION_TEXT
    help_gettext: Any = None

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = self.help_option_text
        return option

    def get_help(self, ctx: Any) -> str:
        from flows.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError:  # the command itself says what is wrong with them
            lang, segments_dir = help_lang(sys.argv[1:], "zh"), None
        else:
            lang, segments_dir = help_lang(sys.argv[1:], settings.lang), settings.segments_dir
        localize(ctx.find_root().command, lang, segments_dir)
        return super().get_help(ctx)  # type: ignore[misc, no-any-return]


class LocalizedCommand(_HelpInLanguage, TyperCommand):
    """A ``tajian`` command whose help speaks the analyst's language."""


class LocalizedGroup(_HelpInLanguage, TyperGroup):
    """The ``tajian`` group: its help and its command list in the analyst's language."""
