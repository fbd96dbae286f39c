"""Build the HTML of each part from the planned cuts, closing and reopening tags."""

from __future__ import annotations

import bisect
from itertools import accumulate

from bot.formatting._items import Item
from bot.formatting._layout import Layout
from bot.formatting._plan import plan_spans

Stack = tuple[Item, ...]


def assemble_parts(items: list[Item], layout: Layout, limit: int) -> list[str]:
    """Return the HTML parts for a tokenized message."""
    # positions[i] is the visible code-point offset at which item i sits.
    positions = [0, *accumulate(len(item.text) for item in items)]
    edges = _code_edges(items, positions, layout)
    spans = plan_spans(layout, limit, edges, _code_clusters(items, layout))
    ranges = [(layout.offsets[start], layout.offsets[end]) for start, end in spans]
    inner_cuts = [_item_cut(items, positions, begin) for begin, _ in ranges[1:]]
    cuts = [0, *inner_cuts, len(items)]
    stacks = _stacks_at(items, cuts)
    parts = []
    for number, (begin, end) in enumerate(ranges):
        low, high = cuts[number], cuts[number + 1]
        body = [
            items[index]
            for index in range(low, high)
            if items[index].is_tag or begin <= positions[index] < end
        ]
        closers = [_closing(item) for item in reversed(stacks[high])]
        tokens = [*stacks[low], *body, *closers]
        parts.append("".join(item.raw for item in _drop_empty_pairs(tokens)))
    return parts


def _code_edges(items: list[Item], positions: list[int], layout: Layout) -> list[int]:
    """Return cluster indices where a `<pre>` block starts or ends."""
    edges: set[int] = set()
    for index, item in enumerate(items):
        if item.tag == "pre":
            cluster = layout.cluster_at(positions[index])
            if cluster is not None and 0 < cluster < layout.size:
                edges.add(cluster)
    return sorted(edges)


def _code_clusters(items: list[Item], layout: Layout) -> list[bool]:
    """Return, for each grapheme cluster, whether it starts inside a `<pre>` block."""
    flags: list[bool] = []
    depth = 0
    for item in items:
        if item.tag == "pre":
            depth += -1 if item.closing else 1
        elif not item.is_tag:
            flags.append(depth > 0)
    return [flags[offset] for offset in layout.offsets[:-1]]


def _item_cut(items: list[Item], positions: list[int], offset: int) -> int:
    """Return the item index where a part starting at visible `offset` begins.

    Tags between the previous visible character and this one are shared out: end tags
    stay with the previous part, start tags move to the next.
    """
    index = bisect.bisect_left(positions, offset + 1) - 1
    run_start = index
    while run_start > 0 and items[run_start - 1].is_tag:
        run_start -= 1
    last_end = max((i + 1 for i in range(run_start, index) if items[i].closing), default=run_start)
    return last_end


def _stacks_at(items: list[Item], cuts: list[int]) -> dict[int, Stack]:
    """Return the open start tags just before each cut index."""
    wanted = set(cuts)
    stacks: dict[int, Stack] = {}
    stack: list[Item] = []
    for index, item in enumerate([*items, None]):
        if index in wanted:
            stacks[index] = tuple(stack)
        if item is None or not item.is_tag:
            continue
        if not item.closing:
            stack.append(item)
        elif any(open_tag.tag == item.tag for open_tag in stack):
            while stack.pop().tag != item.tag:
                pass
    return stacks


def _closing(item: Item) -> Item:
    """Return the end tag matching a start tag."""
    return Item(f"</{item.tag}>", tag=item.tag, closing=True)


def _drop_empty_pairs(tokens: list[Item]) -> list[Item]:
    """Remove elements that enclose nothing (left behind when whitespace is cut away)."""
    out: list[Item] = []
    for token in tokens:
        previous = out[-1] if out else None
        if token.closing and previous and not previous.closing and previous.tag == token.tag:
            out.pop()
        else:
            out.append(token)
    return out
