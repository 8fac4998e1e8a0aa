"""The analyst's language: gettext catalogues for the report, the seed-list files and the
command line's messages.

The message ids are the English texts (so ``--lang en`` needs no catalogue); the Chinese ones
live in ``report/locale/zh/LC_MESSAGES/tajian.po``, compiled to the ``tajian.mo`` beside it,
which ships in the package and is read with the standard library's :mod:`gettext` (nothing is
fetched at run time). ``make i18n`` re-extracts the ids (Babel, with Jinja2's extractor for the
templates), merges them into the ``.po`` and compiles it; a test checks the committed ``.mo`` is
current and that every id has a translation.

Example:
    >>> translations("zh").gettext("seed users")
    '种子用户'
    >>> translations("en").ngettext("{n} post", "{n} posts", 2).format(n=2)
    '2 posts'
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    ValueError: language must be zh (中文) or en (English); got 'fr'
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

__all__ = ["DEFAULT_LANG", "DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "check_lang", "translations"]

#: the languages the report and the messages speak; Chinese is the default
LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"
DOMAIN = "tajian"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here (it is translated where shown)."""
    return message


def check_lang(lang: str) -> str:
    """``lang`` when it is one of :data:`LANGUAGES`, else a one-line error saying which are."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be zh (中文) or en (English); got {lang!r}")
    return lang


@cache
def translations(lang: str = DEFAULT_LANG) -> gettext.NullTranslations:
    """The catalogue of ``lang``: English returns the ids as they are; Chinese reads the
    shipped ``tajian.mo`` (a missing file is a broken install, said as such)."""
    check_lang(lang)
    if lang == "en":
        return gettext.NullTranslations()
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        raise FileNotFoundError(
            f"{mo}: the {lang} message catalogue is missing; reinstall Tajian (or run `make i18n`), "
            "or pass --lang en"
        )
    with open(mo, "rb") as fh:
        return gettext.GNUTranslations(fh)
