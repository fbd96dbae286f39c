"""Turning the model's Markdown into the parts Telegram will show."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.formatting import (
    html_to_plain,
    markdown_to_telegram_html,
    render_partial,
    split_html,
    strip_reasoning,
)

MAX_TEXT = 4096
EMPTY_ANSWER = "…"


@dataclass(frozen=True)
class Part:
    """One Telegram message: its HTML and the plain text to fall back to."""

    html: str
    plain: str


def _part(html: str) -> Part:
    return Part(html, html_to_plain(html))


def final_parts(answer: str) -> list[Part]:
    """Render a whole answer and split it into messages of at most 4096 visible characters."""
    html = markdown_to_telegram_html(strip_reasoning(answer))
    parts = [_part(chunk) for chunk in split_html(html, MAX_TEXT)]
    return parts or [Part(EMPTY_ANSWER, EMPTY_ANSWER)]


def text_parts(text: str) -> list[Part]:
    """Split a plain text (the bot's own messages) into escaped HTML messages."""
    parts = [_part(chunk) for chunk in split_html(html.escape(text, quote=False), MAX_TEXT)]
    return parts or [Part(EMPTY_ANSWER, EMPTY_ANSWER)]


def preview_parts(answer_so_far: str) -> list[Part]:
    """Render a partial answer for streaming; empty while nothing visible has come yet."""
    html = render_partial(answer_so_far)
    return [_part(chunk) for chunk in split_html(html, MAX_TEXT)]
