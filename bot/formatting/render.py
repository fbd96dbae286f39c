"""Turn an LLM's Markdown answer into Telegram HTML (parse_mode="HTML")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from bot.formatting._blocks import render_blocks

__all__ = ["html_to_plain", "markdown_to_telegram_html", "render_partial", "strip_reasoning"]

# Raw HTML from the model must show as text, so markdown-it's HTML rules are off.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
_THINK_BLOCK = re.compile(r"<think>.*?(?:</think>|\Z)", re.IGNORECASE | re.DOTALL)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_THINK_TAG = "<think>"


def markdown_to_telegram_html(markdown: str) -> str:
    """Render Markdown into Telegram HTML that only uses tags Telegram supports.

    Reasoning blocks are not removed here; call `strip_reasoning` first.
    """
    tree = SyntaxTreeNode(_PARSER.parse(markdown))
    return render_blocks(tree.children).strip()


def strip_reasoning(text: str) -> str:
    """Remove `<think>...</think>` blocks, including an unterminated one at the end.

    Some chat templates open the reasoning block in the prompt, so the answer holds only
    the closing tag: an orphan `</think>` hides everything before it.
    """
    without_blocks = _THINK_BLOCK.sub("", text)
    orphans = list(_THINK_CLOSE.finditer(without_blocks))
    return without_blocks[orphans[-1].end() :] if orphans else without_blocks


def render_partial(markdown_so_far: str) -> str:
    """Render a streamed, possibly incomplete Markdown prefix into valid Telegram HTML.

    CommonMark already closes an unterminated code fence at the end of the input and
    shows unmatched emphasis or backticks literally, so any prefix renders validly.
    A trailing partial `<think` tag is held back so it never flashes on screen.
    """
    text = strip_reasoning(markdown_so_far)
    return markdown_to_telegram_html(_drop_partial_think_tag(text))


def html_to_plain(html: str) -> str:
    """Return the visible text of Telegram HTML (tags removed, entities decoded)."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "".join(collector.parts)


def _drop_partial_think_tag(text: str) -> str:
    """Remove a trailing `<th`, `<thin`... that may become `<think>`."""
    for size in range(len(_THINK_TAG) - 1, 1, -1):
        if text[-size:].lower() == _THINK_TAG[:size]:
            return text[:-size]
    return text


class _TextCollector(HTMLParser):
    """Collects character data; entities are decoded by `convert_charrefs`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
