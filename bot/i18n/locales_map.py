"""The UI languages the bot has catalogs for, and how their codes map to catalogs."""

from __future__ import annotations

from typing import Final

#: Fallback UI language: English, the language of the msgids.
DEFAULT_UI_LANGUAGE: Final = "en"

#: Public UI language codes (ISO 639-1, as Telegram's setMyCommands expects),
#: mapped to the Babel locale name of their catalog directory under ``locales/``.
#: Tagalog is ``fil`` in Babel/CLDR (``Locale.parse("tl")`` gives ``fil_PH``);
#: ``zh`` is Simplified Chinese.
CATALOG_LOCALES: Final[dict[str, str]] = {
    "en": "en",
    "ar": "ar",
    "de": "de",
    "es": "es",
    "fr": "fr",
    "hi": "hi",
    "id": "id",
    "it": "it",
    "pt": "pt",
    "tl": "fil",
    "th": "th",
    "vi": "vi",
    "ru": "ru",
    "uk": "uk",
    "fa": "fa",
    "tr": "tr",
    "uz": "uz",
    "zh": "zh_Hans",
    "ja": "ja",
    "ko": "ko",
}

#: Every UI language with a complete catalog, English first.
SUPPORTED_UI_LANGUAGES: Final[tuple[str, ...]] = tuple(CATALOG_LOCALES)

#: The 12 languages Llama 4 officially supports (ISO 639-1).
LLAMA4_OFFICIAL_LANGUAGES: Final[frozenset[str]] = frozenset(
    {"ar", "en", "fr", "de", "hi", "id", "it", "pt", "es", "tl", "th", "vi"}
)
