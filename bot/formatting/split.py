"""Split rendered Telegram messages into parts that fit Telegram's length limit.

Length is what Telegram counts: code points of the visible text (`&lt;` is one).
Cuts fall only on grapheme-cluster boundaries, never inside a tag or an entity. Preferred
cuts, in order: the edge of a `<pre>` code block, a blank line, a line break, a sentence
end (any Unicode Sentence_Terminal; ASCII `.!?` only before whitespace; also Thai `ฯ` and
spaces between Thai, Lao, Khmer or Myanmar letters), a space, and finally any grapheme
boundary. Except for code-block edges, a boundary is preferred only if the part stays at
least half full (see `_plan.MIN_FILL`).

Whitespace contract: the visible text of the message equals W0 + P1 + W1 + ... + Pn + Wn,
where Pi is the visible text of part i and each Wi is zero or more whitespace-only grapheme
clusters. So the whitespace at each cut (and at both ends of the message) is dropped, and
nothing else is; the one exception is the indentation of a code line: when a part starts
inside `<pre>`, the spaces after the last line break of the cut stay with that part.
"""

from __future__ import annotations

from bot.formatting._assemble import assemble_parts
from bot.formatting._items import tokenize
from bot.formatting._layout import build_layout
from bot.formatting._plan import plan_spans

__all__ = ["TELEGRAM_LIMIT", "split_html", "split_plain"]

TELEGRAM_LIMIT = 4096


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into valid parts of at most `limit` visible code points each.

    Whitespace at each cut is dropped; tags open at a cut are closed at the end of one part
    and reopened (with the same attributes) at the start of the next.
    """
    _check_limit(limit)
    items = tokenize(html)
    visible = "".join(item.text for item in items)
    layout = build_layout(visible, limit)
    return assemble_parts(items, layout, limit)


def split_plain(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split plain text into parts of at most `limit` code points, dropping whitespace at cuts."""
    _check_limit(limit)
    layout = build_layout(text, limit)
    offsets = layout.offsets
    return [text[offsets[start] : offsets[end]] for start, end in plan_spans(layout, limit, [])]


def _check_limit(limit: int) -> None:
    """Reject limits that cannot hold a single character."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
