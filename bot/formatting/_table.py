"""Render a Markdown table as monospace text inside `<pre>`."""

from __future__ import annotations

import unicodedata

from markdown_it.tree import SyntaxTreeNode

from bot.formatting._escape import escape_text
from bot.formatting._inline import inline_plain


def render_table(table: SyntaxTreeNode) -> str:
    """Render a table node as padded columns in a `<pre>` block."""
    rows = [_row_cells(row) for row in _rows(table)]
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(display_width(row[col]) for row in rows) for col in range(columns)]
    lines = [_format_row(row, widths) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "<pre>" + escape_text("\n".join(lines)) + "</pre>"


def display_width(text: str) -> int:
    """Approximate monospace width: wide East Asian characters take two cells."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _rows(table: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    """Return header and body rows in order."""
    return [row for section in table.children for row in section.children]


def _row_cells(row: SyntaxTreeNode) -> list[str]:
    """Return the plain text of each cell, whitespace collapsed."""
    return [" ".join(inline_plain(cell.children).split()) for cell in row.children]


def _format_row(cells: list[str], widths: list[int]) -> str:
    """Pad cells to their column widths and join them."""
    pairs = zip(cells, widths, strict=True)
    padded = [cell + " " * (width - display_width(cell)) for cell, width in pairs]
    return " | ".join(padded).rstrip()
