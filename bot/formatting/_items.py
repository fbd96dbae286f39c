"""Tokenize Telegram HTML into atoms: whole tags and single visible code points."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import NamedTuple


class Item(NamedTuple):
    """One atom of a message: a tag (text is empty) or one visible code point."""

    raw: str
    text: str = ""
    tag: str = ""
    closing: bool = False

    @property
    def is_tag(self) -> bool:
        """True for start and end tags."""
        return bool(self.tag)


def tokenize(markup: str) -> list[Item]:
    """Split Telegram HTML into items; entities such as `&lt;` stay one item."""
    parser = _Tokenizer()
    parser.feed(markup)
    parser.close()
    return parser.items


class _Tokenizer(HTMLParser):
    """HTML parser that records every tag and code point as an Item."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.items: list[Item] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append(Item(self.get_starttag_text() or f"<{tag}>", tag=tag))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(Item(f"</{tag}>", tag=tag, closing=True))

    def handle_data(self, data: str) -> None:
        self.items.extend(Item(char, char) for char in data)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, raw: str) -> None:
        """Record an entity or character reference as one item per code point."""
        text = html.unescape(raw)
        if len(text) == 1:
            self.items.append(Item(raw, text))
        else:
            self.items.extend(Item(html.escape(char, quote=False), char) for char in text)
