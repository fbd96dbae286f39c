"""Translators, the language fallback chain, command menus and language names."""

from __future__ import annotations

import builtins
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.i18n import (
    SUPPORTED_UI_LANGUAGES,
    command_descriptions,
    lang_choices,
    language_name,
    resolve_language,
    texts,
    translator,
)

COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


@pytest.mark.parametrize(
    ("choice", "telegram", "expected"),
    [
        ("de", "fr", "de"),
        (None, "fr", "fr"),
        (None, "pt-br", "pt"),
        (None, "pt-BR", "pt"),
        (None, "zh-hans", "zh"),
        (None, "zh-cn", "zh"),
        (None, "zh", "zh"),
        (None, "zh-hant", "en"),
        (None, "zh-tw", "en"),
        (None, "tl", "tl"),
        (None, "fil", "tl"),
        (None, "en-US", "en"),
        (None, "es-419", "es"),
        ("xx", "ru", "ru"),
        ("", "uk", "uk"),
        (None, "nl", "en"),
        (None, "not a tag!", "en"),
        (None, None, "en"),
        ("ja", None, "ja"),
        ("fil", "de", "tl"),
    ],
)
def test_resolve_language_fallback_chain(choice, telegram, expected):
    assert resolve_language(choice, telegram) == expected


def test_translator_translates_and_is_cached_per_language():
    assert translator("de").gettext(texts.STOP_DONE) == "Abgebrochen."
    assert translator("pt-br").gettext(texts.NEW_CONVERSATION) == "Nova conversa iniciada."
    assert translator("de") is translator("de")
    assert translator("nl").language == "en"
    assert translator(None).gettext(texts.STOP_DONE) == "Stopped."


def test_every_language_translates_every_text():
    for lang in SUPPORTED_UI_LANGUAGES[1:]:
        t = translator(lang)
        assert t.gettext(texts.NOTICE_CONTEXT_SHORTENED) != texts.NOTICE_CONTEXT_SHORTENED
        assert "{name}" not in t.text(texts.START_GREETING, name="Ana")
        assert "Ana" in t.text(texts.START_GREETING, name="Ana")


def test_plurals_and_contexts():
    ru = translator("ru")
    assert ru.plural(texts.RETRY_IN_MINUTES, 1).endswith("1 минуту.")
    assert ru.plural(texts.RETRY_IN_MINUTES, 3).endswith("3 минуты.")
    assert ru.plural(texts.RETRY_IN_MINUTES, 5).endswith("5 минут.")
    assert translator("en").plural(texts.USAGE_DAILY_LIMIT, 1) == "Your daily limit is 1 message."
    assert translator("fr").text(texts.USAGE_PERIOD_MONTH) == "Ce mois-ci"
    en = translator("en")
    summary = en.text(texts.USAGE_SUMMARY, period=en.text(texts.USAGE_PERIOD_WEEK),
                      messages=3, tokens=120)
    assert summary == "This week: 3 messages, 120 tokens."


def test_no_global_gettext_install():
    translator("de")
    assert not hasattr(builtins, "_")


def test_translators_are_thread_safe_smoke():
    def render(i: int) -> str:
        lang = SUPPORTED_UI_LANGUAGES[i % len(SUPPORTED_UI_LANGUAGES)]
        return translator(lang).text(texts.MODE_SET, name=str(i))

    expected = [render(i) for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render, range(400))) == expected


@pytest.mark.parametrize("lang", SUPPORTED_UI_LANGUAGES)
def test_command_descriptions_within_telegram_limits(lang):
    commands = command_descriptions(lang)
    names = [name for name, _ in commands]
    assert names == ["start", "help", "new", "retry", "stop", "lang", "forget", "mode", "usage",
                     "ask"]
    for name, description in commands:
        assert COMMAND_RE.fullmatch(name)
        assert 1 <= len(description) <= 256
        assert description == description.strip()
    if lang != "en":
        assert commands != command_descriptions("en")


def test_help_text_lists_every_command_in_every_language():
    for lang in SUPPORTED_UI_LANGUAGES:
        help_text = translator(lang).gettext(texts.HELP_TEXT)
        for name, _ in texts.COMMANDS:
            if name != "start":
                assert f"/{name}" in help_text, (lang, name)


def test_language_names_from_cldr():
    assert language_name("de", "fr") == "allemand"
    assert language_name("ja", "ja") == "日本語"
    assert language_name("tl", "en") == "Filipino"
    assert language_name("zh", "en") == "Simplified Chinese"
    assert language_name("ceb", "en") == "Cebuano"
    assert language_name("pt", "pt-br") == "português"
    assert language_name("qqq", "en") == "qqq"
    assert language_name("en", "not-a-locale") == "English"


def test_lang_choices_are_native_names():
    choices = dict(lang_choices("en"))
    assert list(choices) == list(SUPPORTED_UI_LANGUAGES)
    assert choices["de"] == "Deutsch"
    assert choices["ru"] == "Русский"
