"""Language names from Babel's CLDR data, and the /lang keyboard choices."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from bot.i18n.locales_map import CATALOG_LOCALES, SUPPORTED_UI_LANGUAGES

_NAME_KEYS = {"zh": ("zh_Hans", "zh"), "tl": ("fil", "tl")}


@lru_cache(maxsize=4096)
def language_name(code: str, in_language: str) -> str:
    """Return the name of language ``code`` written in ``in_language``.

    Uses CLDR through Babel, e.g. ``language_name("de", "fr") == "allemand"``
    and ``language_name("ja", "ja") == "日本語"``. Codes may be ISO 639-1 or
    639-3 (``"ceb"``) or UI codes (``"zh"`` is named as Simplified Chinese,
    ``"tl"`` as Filipino). Names keep CLDR's casing (lower case in French, for
    instance) so they fit inside sentences; unknown codes come back unchanged.
    """
    names = _display_locale(in_language).languages
    base = code.replace("-", "_")
    for key in (*_NAME_KEYS.get(base, ()), base, base.split("_", 1)[0]):
        if key in names:
            return str(names[key])
    return code


def lang_choices(ui_language: str) -> list[tuple[str, str]]:
    """Return ``(code, label)`` for every UI language, labelled in its own language.

    The labels are capitalised native names ("Deutsch", "Русский"), which is
    how language pickers usually show them.
    """
    return [(code, _capitalize(language_name(code, code))) for code in SUPPORTED_UI_LANGUAGES]


def _display_locale(tag: str) -> Locale:
    """Return the Babel locale to write names in, English if ``tag`` is unknown."""
    candidate = CATALOG_LOCALES.get(tag, tag).replace("-", "_")
    try:
        return Locale.parse(candidate)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en")


def _capitalize(name: str) -> str:
    """Upper-case the first character only (keeps the rest as CLDR wrote it)."""
    return name[:1].upper() + name[1:]
