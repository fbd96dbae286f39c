"""Grapheme layout of visible text and the boundaries a message may be split at."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import regex

_GRAPHEME = regex.compile(r"\X")
_TERMINATOR = regex.compile(r"[\p{Sentence_Terminal}ฯ๚๛]")
_CLOSER = regex.compile(r"[\p{Pe}\p{Pf}\"']")
# Scripts that write no spaces between words but put one between phrases or sentences.
_PHRASE_SPACED = regex.compile(r"[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
LINE_BREAKS = frozenset({"\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029"})


def graphemes(text: str) -> list[str]:
    """Split text into extended grapheme clusters (what a reader sees as one character)."""
    clusters: list[str] = _GRAPHEME.findall(text)
    return clusters


@dataclass
class Layout:
    """Visible text as grapheme clusters, with cumulative code-point offsets.

    A boundary `c` (0 < c < n) means "cut before cluster c"; boundaries of each kind are
    kept sorted so the splitter can bisect them.
    """

    clusters: list[str]
    offsets: list[int] = field(init=False)
    space: list[bool] = field(init=False)

    def __post_init__(self) -> None:
        """Compute code-point offsets and whitespace flags."""
        self.offsets = [0]
        for cluster in self.clusters:
            self.offsets.append(self.offsets[-1] + len(cluster))
        self.space = [cluster.isspace() for cluster in self.clusters]

    @property
    def size(self) -> int:
        """Number of clusters."""
        return len(self.clusters)

    def cluster_at(self, offset: int) -> int | None:
        """Return the cluster index starting at a code-point offset, if one does."""
        index = bisect.bisect_left(self.offsets, offset)
        found = index < len(self.offsets) and self.offsets[index] == offset
        return index if found else None

    def skip_space(self, index: int) -> int:
        """Return the first non-whitespace cluster at or after index."""
        while index < self.size and self.space[index]:
            index += 1
        return index

    def trim_space(self, index: int) -> int:
        """Return the end of content once whitespace clusters before index are dropped."""
        while index > 0 and self.space[index - 1]:
            index -= 1
        return index


def build_layout(text: str, limit: int) -> Layout:
    """Segment text; a cluster longer than limit is cut into code-point chunks (last resort)."""
    clusters: list[str] = []
    for cluster in graphemes(text):
        clusters.extend(cluster[i : i + limit] for i in range(0, len(cluster), limit))
    return Layout(clusters)


def space_runs(layout: Layout) -> list[tuple[int, int]]:
    """Return (start, end) of every whitespace run that follows content."""
    runs: list[tuple[int, int]] = []
    index = 1
    while index < layout.size:
        if layout.space[index] and not layout.space[index - 1]:
            end = layout.skip_space(index)
            runs.append((index, end))
            index = end
        index += 1
    return runs


def break_levels(layout: Layout) -> list[list[int]]:
    """Return sorted boundaries for paragraph, line, sentence and word breaks, in that order."""
    paragraph: list[int] = []
    line: list[int] = []
    word: list[int] = []
    sentence = set(_sentence_ends(layout))
    for start, end in space_runs(layout):
        newlines = sum(cluster in LINE_BREAKS for cluster in layout.clusters[start:end])
        if newlines >= 2:
            paragraph.append(start)
        if newlines >= 1:
            line.append(start)
        if end < layout.size and _phrase_space(layout, start, end):
            sentence.add(start)
        word.append(start)
    return [paragraph, line, sorted(sentence), word]


def _phrase_space(layout: Layout, start: int, end: int) -> bool:
    """Tell whether a space run separates two letters of a phrase-spaced script."""
    before, after = layout.clusters[start - 1], layout.clusters[end]
    return bool(_PHRASE_SPACED.match(before) and _PHRASE_SPACED.match(after))


def _sentence_ends(layout: Layout) -> list[int]:
    """Return boundaries just after sentence terminators and their closing marks."""
    ends: list[int] = []
    for index, cluster in enumerate(layout.clusters):
        if not _TERMINATOR.match(cluster):
            continue
        end = index + 1
        while end < layout.size and _CLOSER.match(layout.clusters[end]):
            end += 1
        # ASCII . ! ? end a sentence only before a space ("3.14", "e.g.x" stay whole).
        spaced = end == layout.size or layout.space[end]
        if end < layout.size and (spaced or not cluster.isascii()):
            ends.append(end)
    return ends
