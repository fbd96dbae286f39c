"""The bot's own UI texts in 20 languages: gettext catalogs managed with Babel.

Public API::

    translator(lang) -> Translator          # cached, thread-safe, explicit
    resolve_language(user_choice, telegram_language_code) -> str
    command_descriptions(lang) -> list[tuple[str, str]]
    language_name(code, in_language) -> str
    SUPPORTED_UI_LANGUAGES                   # ("en", "ar", "de", ...)

The message ids live in :mod:`bot.i18n.texts`.
"""

from bot.i18n.commands import command_descriptions
from bot.i18n.locales_map import (
    DEFAULT_UI_LANGUAGE,
    LLAMA4_OFFICIAL_LANGUAGES,
    SUPPORTED_UI_LANGUAGES,
)
from bot.i18n.names import lang_choices, language_name
from bot.i18n.resolve import normalize_ui_language, resolve_language
from bot.i18n.translator import Translator, translator

__all__ = [
    "DEFAULT_UI_LANGUAGE",
    "LLAMA4_OFFICIAL_LANGUAGES",
    "SUPPORTED_UI_LANGUAGES",
    "Translator",
    "command_descriptions",
    "lang_choices",
    "language_name",
    "normalize_ui_language",
    "resolve_language",
    "translator",
]
