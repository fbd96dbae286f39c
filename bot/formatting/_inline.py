"""Render markdown-it inline nodes into Telegram HTML."""

from __future__ import annotations

from collections.abc import Iterable

from markdown_it.tree import SyntaxTreeNode

from bot.formatting._escape import allowed_href, escape_attr, escape_text

_WRAPPERS = {"strong": "b", "em": "i", "s": "s"}


def render_inline(nodes: Iterable[SyntaxTreeNode], in_link: bool = False) -> str:
    """Render a sequence of inline nodes."""
    return "".join(_render_node(node, in_link) for node in nodes)


def inline_plain(nodes: Iterable[SyntaxTreeNode]) -> str:
    """Return the visible text of inline nodes, without any markup (for table cells)."""
    out: list[str] = []
    for node in nodes:
        if node.type in ("text", "code_inline"):
            out.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(inline_plain(node.children))
    return "".join(out)


def _render_node(node: SyntaxTreeNode, in_link: bool) -> str:
    """Render one inline node."""
    kind = node.type
    if kind == "text":
        return escape_text(node.content)
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "code_inline":
        return f"<code>{escape_text(node.content)}</code>"
    if kind in _WRAPPERS:
        tag = _WRAPPERS[kind]
        return f"<{tag}>{render_inline(node.children, in_link)}</{tag}>"
    if kind == "link":
        return _render_link(str(node.attrs.get("href", "")), node.children, in_link)
    if kind == "image":
        return _render_image(node, in_link)
    # html_inline cannot occur (html is disabled); anything unknown degrades to its text.
    return escape_text(node.content) + render_inline(node.children, in_link)


def _render_link(href: str, children: list[SyntaxTreeNode], in_link: bool) -> str:
    """Render a link, or only its text when the target is not allowed."""
    inner = render_inline(children, in_link=True)
    if in_link or not allowed_href(href):
        return inner
    if not inline_plain(children).strip():
        inner = escape_text(href)
    return f'<a href="{escape_attr(href)}">{inner}</a>'


def _render_image(node: SyntaxTreeNode, in_link: bool) -> str:
    """Render an image as a link to it, labelled with its alt text."""
    src = str(node.attrs.get("src", ""))
    alt = inline_plain(node.children).strip() or "image"
    if in_link or not allowed_href(src):
        return escape_text(alt)
    return f'<a href="{escape_attr(src)}">{escape_text(alt)}</a>'
