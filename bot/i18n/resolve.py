"""Pick the UI language for a user: /lang choice, then Telegram's tag, then English."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from bot.i18n.locales_map import CATALOG_LOCALES, DEFAULT_UI_LANGUAGE

_BABEL_TO_UI = {"fil": "tl"}
_TRADITIONAL_SCRIPTS = frozenset({"Hant"})


def resolve_language(user_choice: str | None, telegram_language_code: str | None) -> str:
    """Return the UI language to use, always one of ``SUPPORTED_UI_LANGUAGES``.

    Tries the user's /lang choice first, then Telegram's ``language_code``
    (an IETF tag such as ``"pt-br"`` or ``"zh-hans"``), and falls back to
    English when neither names a language with a catalog.
    """
    for candidate in (user_choice, telegram_language_code):
        resolved = normalize_ui_language(candidate)
        if resolved is not None:
            return resolved
    return DEFAULT_UI_LANGUAGE


@lru_cache(maxsize=1024)
def normalize_ui_language(tag: str | None) -> str | None:
    """Map an IETF/POSIX language tag to a supported UI language, or ``None``.

    ``"pt-BR"`` -> ``"pt"``, ``"zh-hans"``/``"zh-CN"``/``"zh"`` -> ``"zh"``,
    ``"tl"``/``"fil"`` -> ``"tl"``; Traditional Chinese (``"zh-hant"``,
    ``"zh-TW"``) has no catalog and gives ``None``.
    """
    if not tag or not tag.strip():
        return None
    locale = _parse(tag.strip().replace("_", "-"))
    if locale is None:
        return None
    if locale.language == "zh" and locale.script in _TRADITIONAL_SCRIPTS:
        return None
    code = _BABEL_TO_UI.get(locale.language, locale.language)
    return code if code in CATALOG_LOCALES else None


def _parse(tag: str) -> Locale | None:
    """Parse ``tag`` with Babel, retrying with its primary subtag alone."""
    for candidate in (tag, tag.split("-", 1)[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None
