"""Escaping and link checks shared by the Telegram-HTML renderer."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https", "tg", "mailto"})


def escape_text(text: str) -> str:
    """Escape text content: only `<`, `>` and `&` are special in Telegram HTML."""
    return html.escape(text, quote=False)


def escape_attr(value: str) -> str:
    """Escape an attribute value, including double quotes."""
    return html.escape(value, quote=True).replace("&#x27;", "'")


def allowed_href(href: str) -> bool:
    """Tell whether a link target uses a scheme Telegram accepts and we allow."""
    try:
        scheme = urlsplit(href.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in ALLOWED_SCHEMES
