"""Render markdown-it block nodes into Telegram HTML."""

from __future__ import annotations

import re

from markdown_it.tree import SyntaxTreeNode

from bot.formatting._escape import escape_text
from bot.formatting._inline import render_inline
from bot.formatting._table import render_table

BULLET = "• "
RULE = "──────────"
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.\-]+")
# Splits our own rendered HTML (never Markdown) into <pre> blocks and the text between them.
_PRE_BLOCK = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)
_LINE_START = re.compile(r"\n(?!<pre>)")
# Telegram shows code/pre blocks and tables as their own boxes, so they are never indented.
_UNINDENTED = frozenset({"fence", "code_block", "table"})


def render_blocks(nodes: list[SyntaxTreeNode], in_quote: bool = False) -> str:
    """Render sibling blocks, separated by a blank line."""
    rendered = (render_block(node, in_quote) for node in nodes)
    return "\n\n".join(text for text in rendered if text)


def render_block(node: SyntaxTreeNode, in_quote: bool = False) -> str:
    """Render one block node."""
    kind = node.type
    if kind in ("paragraph", "inline"):
        return _inline_of(node).strip("\n")
    if kind == "heading":
        text = _inline_of(node).strip()
        return f"<b>{text}</b>" if text else ""
    if kind in ("fence", "code_block"):
        return _render_code(node)
    if kind in ("bullet_list", "ordered_list"):
        return _render_list(node, in_quote)
    if kind == "blockquote":
        return _render_quote(node, in_quote)
    if kind == "table":
        return render_table(node)
    if kind == "hr":
        return RULE
    # html_block cannot occur (html is disabled); degrade anything unknown to escaped text.
    return escape_text(node.content) + render_blocks(node.children, in_quote)


def _inline_of(node: SyntaxTreeNode) -> str:
    """Render the inline content found under a block node."""
    if node.type == "inline":
        return render_inline(node.children)
    return "".join(_inline_of(child) for child in node.children)


def _render_code(node: SyntaxTreeNode) -> str:
    """Render a fenced or indented code block, keeping a sanitised language."""
    code = node.content.rstrip().lstrip("\n")
    if not code:
        return ""
    body = escape_text(code)
    match = _LANGUAGE.match(node.info.strip()) if node.type == "fence" else None
    if match:
        return f'<pre><code class="language-{match.group(0)}">{body}</code></pre>'
    return f"<pre>{body}</pre>"


def _render_quote(node: SyntaxTreeNode, in_quote: bool) -> str:
    """Render a blockquote; Telegram cannot nest them."""
    inner = render_blocks(node.children, in_quote=True)
    # Telegram rejects nested blockquotes: an inner quote is kept as plain content.
    if in_quote or not inner:
        return inner
    return f"<blockquote>{inner}</blockquote>"


def _render_list(node: SyntaxTreeNode, in_quote: bool) -> str:
    """Render a list as one line per item."""
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
    lines = []
    for index, item in enumerate(node.children):
        marker = f"{start + index}. " if node.type == "ordered_list" else BULLET
        lines.append(_render_item(item, marker, in_quote))
    return "\n".join(lines)


def _render_item(item: SyntaxTreeNode, marker: str, in_quote: bool) -> str:
    """Render one list item with its marker, indenting continuation lines."""
    pad = " " * len(marker)
    pieces: list[str] = []
    for child in item.children:
        text = render_block(child, in_quote)
        if text and child.type not in _UNINDENTED:
            text = (pad if pieces else "") + _indent(text, pad)
        if text:
            pieces.append(text)
    body = "\n".join(pieces)
    if pieces and item.children[0].type in _UNINDENTED:
        return marker.rstrip() + "\n" + body
    return marker + body


def _indent(text: str, pad: str) -> str:
    """Indent continuation lines, leaving the inside of code blocks untouched."""
    pieces = _PRE_BLOCK.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = _LINE_START.sub("\n" + pad, pieces[index])
    return "".join(pieces)
