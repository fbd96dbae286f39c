"""Turning the model's text into the parts Telegram will show."""

from __future__ import annotations

import html
from dataclasses import dataclass

MAX_TEXT = 4096


@dataclass(frozen=True)
class Part:
    """One Telegram message: its HTML and the plain text to fall back to."""

    html: str
    plain: str


def final_parts(answer: str) -> list[Part]:
    """Split a whole answer into messages of at most 4096 visible characters."""
    text = answer.strip() or "…"
    chunks = [text[i : i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)]
    return [Part(html.escape(chunk, quote=False), chunk) for chunk in chunks]


def preview(answer_so_far: str) -> Part:
    """A streaming preview of a partial answer, cut to one message."""
    text = answer_so_far.strip()[:MAX_TEXT] or "…"
    return Part(html.escape(text, quote=False), text)
