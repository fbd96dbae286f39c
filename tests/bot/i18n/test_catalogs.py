"""The gettext catalogs are complete, consistent with texts.py, and compiled."""

from __future__ import annotations

import gettext
import io
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import SUPPORTED_UI_LANGUAGES
from bot.i18n.catalogs import BABEL_CFG, KEYWORDS, LOCALES_DIR, POT_FILE
from bot.i18n.locales_map import CATALOG_LOCALES

TEXTS = Path(__file__).resolve().parents[3] / "bot" / "i18n" / "texts.py"
CATALOG_DIRS = [CATALOG_LOCALES[code] for code in SUPPORTED_UI_LANGUAGES]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _key(message: Message) -> tuple[str, str | None]:
    return _ids(message)[0], message.context


def _ids(message: Message) -> tuple[str, ...]:
    raw = message.id
    return tuple(raw) if isinstance(raw, (tuple, list)) else (str(raw),)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(POT_FILE)


def test_twenty_languages_have_catalogs():
    assert len(SUPPORTED_UI_LANGUAGES) == 20
    for directory in CATALOG_DIRS:
        assert (LOCALES_DIR / directory / "LC_MESSAGES" / "messages.po").is_file()


def test_pot_matches_texts_module(template):
    keywords = {}
    for spec in KEYWORDS:
        name, _, args = spec.partition(":")
        keywords[name] = tuple(
            (int(a[:-1]), "c") if a.endswith("c") else int(a) for a in args.split(",")
        ) if args else None
    extracted = {
        (msg[0] if isinstance(msg, tuple) else msg, ctx)
        for _, msg, _, ctx in extract_from_file("python", str(TEXTS), keywords=keywords)
    }
    in_pot = {_key(m) for m in template if m.id}
    assert extracted == in_pot, "run: python -m bot.i18n.catalogs extract update compile"
    assert BABEL_CFG.is_file()


@pytest.mark.parametrize("directory", CATALOG_DIRS)
def test_catalog_is_complete_and_placeholders_match(directory, template):
    catalog = _read(LOCALES_DIR / directory / "LC_MESSAGES" / "messages.po")
    assert catalog.num_plurals == get_plural(directory).num_plurals
    messages = {_key(m): m for m in catalog if m.id}
    assert set(messages) == {_key(m) for m in template if m.id}
    for message in messages.values():
        assert not message.fuzzy, message.id
        _assert_translated(message)


def _assert_translated(message: Message) -> None:
    ids = _ids(message)
    raw = message.string
    strings: tuple[str, ...] = tuple(raw) if isinstance(raw, (tuple, list)) else (str(raw or ""),)
    expected = set().union(*(_placeholders(i) for i in ids))
    assert all(s.strip() for s in strings), message.id
    for translated in strings:
        assert _placeholders(translated) == expected, (message.id, translated)
        assert translated.format(**dict.fromkeys(expected, "X"))


@pytest.mark.parametrize("directory", CATALOG_DIRS)
def test_committed_mo_matches_po(directory):
    folder = LOCALES_DIR / directory / "LC_MESSAGES"
    buffer = io.BytesIO()
    write_mo(buffer, _read(folder / "messages.po", locale=directory))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with (folder / "messages.mo").open("rb") as handle:
        committed = gettext.GNUTranslations(handle)
    assert vars(committed)["_catalog"] == vars(fresh)["_catalog"], (
        "run: python -m bot.i18n.catalogs compile"
    )
