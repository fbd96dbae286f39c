"""A radix tree over token ids with LRU eviction within a token budget, like RadixAttention."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Node:
    key: tuple[int, ...] = ()
    parent: _Node | None = None
    children: dict[int, _Node] = field(default_factory=dict)
    last_access: int = 0


class RadixCache:
    """Cached token sequences; `match` tells how long a prefix of a new prompt is already cached."""

    def __init__(self, capacity_tokens: int) -> None:
        """Keep at most `capacity_tokens` tokens, evicting least recently used leaves first."""
        self.capacity = capacity_tokens
        self.size = 0
        self.evicted_tokens = 0
        self._root = _Node()
        self._clock = itertools.count(1)

    def match(self, ids: Sequence[int]) -> int:
        """Length of the longest cached prefix of `ids`; marks the matched path as used."""
        node, matched = self._root, 0
        now = next(self._clock)
        while matched < len(ids):
            child = node.children.get(ids[matched])
            if child is None:
                break
            common = _common_length(child.key, ids, matched)
            matched += common
            child.last_access = now
            if common < len(child.key):
                break
            node = child
        return matched

    def insert(self, ids: Sequence[int]) -> None:
        """Add a sequence (prompt plus output), then evict down to the capacity."""
        node, pos = self._root, 0
        now = next(self._clock)
        while pos < len(ids):
            child = node.children.get(ids[pos])
            if child is None:
                leaf = _Node(tuple(ids[pos:]), node, last_access=now)
                node.children[ids[pos]] = leaf
                self.size += len(leaf.key)
                break
            common = _common_length(child.key, ids, pos)
            if common < len(child.key):
                child = self._split(child, common)
            child.last_access = now
            node, pos = child, pos + common
        self.evict(self.capacity)

    def evict(self, capacity: int) -> None:
        """Drop least recently used leaves until at most `capacity` tokens remain."""
        if self.size <= capacity:
            return
        heap = [(leaf.last_access, id(leaf), leaf) for leaf in self._leaves()]
        heapq.heapify(heap)
        while self.size > capacity and heap:
            _, _, leaf = heapq.heappop(heap)
            parent = leaf.parent
            assert parent is not None
            del parent.children[leaf.key[0]]
            self.size -= len(leaf.key)
            self.evicted_tokens += len(leaf.key)
            if parent is not self._root and not parent.children:
                heapq.heappush(heap, (parent.last_access, id(parent), parent))

    def clear(self) -> None:
        """Forget everything (SGLang's /flush_cache)."""
        self._root = _Node()
        self.size = 0

    def _split(self, child: _Node, at: int) -> _Node:
        """Cut `child`'s edge after `at` tokens; return the new upper node."""
        parent = child.parent
        assert parent is not None
        upper = _Node(child.key[:at], parent, last_access=child.last_access)
        parent.children[upper.key[0]] = upper
        child.key = child.key[at:]
        child.parent = upper
        upper.children[child.key[0]] = child
        return upper

    def _leaves(self) -> list[_Node]:
        leaves, stack = [], [self._root]
        while stack:
            node = stack.pop()
            if node.children:
                stack.extend(node.children.values())
            elif node is not self._root:
                leaves.append(node)
        return leaves


def _common_length(key: tuple[int, ...], ids: Sequence[int], start: int) -> int:
    limit = min(len(key), len(ids) - start)
    for offset in range(limit):
        if key[offset] != ids[start + offset]:
            return offset
    return limit
