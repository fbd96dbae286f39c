"""Markdown to Telegram HTML rendering and splitting into 4096-character messages."""

from bot.formatting.render import (
    html_to_plain,
    markdown_to_telegram_html,
    render_partial,
    strip_reasoning,
)
from bot.formatting.split import split_html, split_plain

__all__ = [
    "html_to_plain",
    "markdown_to_telegram_html",
    "render_partial",
    "split_html",
    "split_plain",
    "strip_reasoning",
]
