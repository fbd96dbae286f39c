"""Explicit, per-language translator objects over the compiled gettext catalogs."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from bot.i18n.locales_map import CATALOG_LOCALES
from bot.i18n.resolve import normalize_ui_language
from bot.i18n.texts import Contextual, Plural

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


class Translator:
    """Translate UI texts into one language; safe to share between threads.

    Obtain one with :func:`translator`, never by ``gettext.install`` globals:
    a worker serves many users, each in their own language, at once.
    """

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        """Wrap ``catalog`` (already loaded) as the translator for ``language``."""
        self.language = language
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        """Return the translation of ``message`` (the msgid itself if missing)."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the plural form of the translation that fits the count ``n``."""
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """Return the translation of ``message`` in the gettext ``context``."""
        return self._catalog.pgettext(context, message)

    def text(self, message: str | Contextual, /, **values: object) -> str:
        """Translate a message from ``texts`` and fill its named placeholders."""
        if isinstance(message, Contextual):
            translated = self.pgettext(message.context, message.message)
        else:
            translated = self.gettext(message)
        return translated.format(**values) if values else translated

    def plural(self, message: Plural, n: int, /, **values: object) -> str:
        """Translate a plural message for count ``n``; ``{count}`` is filled with ``n``."""
        translated = self.ngettext(message.singular, message.plural, n)
        return translated.format(**{"count": n, **values})

    def __repr__(self) -> str:
        """Show the language, e.g. ``Translator('de')``."""
        return f"Translator({self.language!r})"


def translator(lang: str | None) -> Translator:
    """Return the cached translator for ``lang`` (English if unsupported or ``None``).

    ``lang`` may be a UI code (``"de"``) or any tag :func:`resolve_language`
    accepts (``"pt-br"``, ``"zh-hans"``).
    """
    return _translator_for(normalize_ui_language(lang) or "en")


@cache
def _translator_for(ui_language: str) -> Translator:
    """Load and cache the catalog of one supported UI language."""
    catalog = gettext.translation(
        DOMAIN, localedir=LOCALES_DIR, languages=[CATALOG_LOCALES[ui_language]], fallback=True
    )
    return Translator(ui_language, catalog)
