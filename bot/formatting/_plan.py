"""Choose where a long text is cut so every part fits the limit."""

from __future__ import annotations

import bisect

from bot.formatting._layout import LINE_BREAKS, Layout, break_levels

# Finer boundaries are preferred only while the part stays at least this full.
MIN_FILL = 0.5

Span = tuple[int, int]


def plan_spans(
    layout: Layout, limit: int, code_edges: list[int], in_code: list[bool] | None = None
) -> list[Span]:
    """Return (start, end) cluster ranges of the parts, whitespace at the cuts excluded.

    `code_edges` are cluster indices where a code block starts or ends; they are the
    preferred cuts. Then come paragraph, line, sentence and word boundaries, taken only in
    the last (1 - MIN_FILL) of the window; failing all of those, the latest such boundary
    anywhere in the window; and failing that, the last grapheme boundary that fits.
    Whitespace clusters at each cut and at both ends are dropped, except the indentation
    of a code line (`in_code` marks clusters inside `<pre>`), which is content.
    """
    code = in_code if in_code is not None else [False] * layout.size
    levels = break_levels(layout)
    last = layout.trim_space(layout.size)
    spans: list[Span] = []
    start = _part_start(layout, code, 0)
    while start < last:
        if layout.offsets[last] - layout.offsets[start] <= limit:
            spans.append((start, last))
            break
        cut = _choose_cut(layout, start, limit, code_edges, levels)
        end = layout.trim_space(cut)
        if end <= start:  # a window of indentation alone: drop it after all
            start = layout.skip_space(start)
            continue
        spans.append((start, end))
        start = _part_start(layout, code, cut)
    return spans


def _part_start(layout: Layout, code: list[bool], cut: int) -> int:
    """Skip whitespace after a cut, but keep the indentation of a code line."""
    start = layout.skip_space(cut)
    if start == layout.size or not code[start]:
        return start
    while start > cut and layout.space[start - 1] and layout.clusters[start - 1] not in LINE_BREAKS:
        start -= 1
    return start


def _choose_cut(
    layout: Layout, start: int, limit: int, code_edges: list[int], levels: list[list[int]]
) -> int:
    """Return the cluster index to cut before, with start < cut and the part within limit."""
    high = bisect.bisect_right(layout.offsets, layout.offsets[start] + limit) - 1
    floor = bisect.bisect_left(layout.offsets, layout.offsets[start] + int(limit * MIN_FILL))
    for candidates, low in [(code_edges, start + 1)] + [(level, floor) for level in levels]:
        cut = _latest(candidates, max(low, start + 1), high)
        if cut is not None:
            return cut
    for candidates in levels:
        cut = _latest(candidates, start + 1, high)
        if cut is not None:
            return cut
    return high


def _latest(candidates: list[int], low: int, high: int) -> int | None:
    """Return the largest candidate in [low, high], if any."""
    index = bisect.bisect_right(candidates, high) - 1
    if index >= 0 and candidates[index] >= low:
        return candidates[index]
    return None
