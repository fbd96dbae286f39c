"""Checks that split parts line up with the original message (test helper)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bot.formatting.htmlcheck import char_contexts, graphemes

Context = tuple[str, tuple[str, ...]]


@dataclass
class Alignment:
    """Where the parts sit in the original: the whitespace dropped around and between
    them (n + 1 gaps for n parts) and the original's grapheme clusters that were kept."""

    dropped: list[str]
    kept: list[str]


def align_parts(original: list[Context], parts: list[list[Context]]) -> Alignment:
    """Check the seam contract and return where the parts sit in the original.

    Contract: original == W0 + P1 + W1 + ... + Pn + Wn (visible text), where each Wi is
    only whitespace grapheme clusters, each Pi starts and ends on grapheme boundaries of the
    original, each character keeps its enclosing tags, and each Pi ends on a non-whitespace
    cluster and starts on one too, except that a part starting in a code block keeps the
    line's indentation (the horizontal whitespace after the last line break of Wi-1).
    """
    text = "".join(char for char, _ in original)
    clusters = graphemes(text)
    starts = [0]
    for cluster in clusters:
        starts.append(starts[-1] + len(cluster))
    index, dropped, kept = 0, [], []
    for part in parts:
        seam_start = index
        while index < len(clusters) and clusters[index].isspace():
            index += 1
        if index < len(clusters) and _in_code(original[starts[index]]):
            while index > seam_start and _is_indent(clusters[index - 1]):
                index -= 1
        dropped.append(text[starts[seam_start] : starts[index]])
        part_clusters = graphemes("".join(char for char, _ in part))
        assert part_clusters, "empty part"
        assert not part_clusters[-1].isspace()
        assert not part_clusters[0].isspace() or _in_code(part[0])
        assert clusters[index : index + len(part_clusters)] == part_clusters
        assert original[starts[index] : starts[index + len(part_clusters)]] == part
        kept += clusters[index : index + len(part_clusters)]
        index += len(part_clusters)
    dropped.append(text[starts[index] :])
    assert all(not gap or gap.isspace() for gap in dropped)
    return Alignment(dropped, kept)


def align_html(original_html: str, parts_html: list[str]) -> Alignment:
    """align_parts on rendered HTML, comparing characters and their enclosing tags."""
    return align_parts(char_contexts(original_html), [char_contexts(part) for part in parts_html])


def align_plain(original: str, parts: list[str]) -> Alignment:
    """align_parts on plain text (no tags)."""
    return align_parts([(char, ()) for char in original], [[(c, ()) for c in p] for p in parts])


def _in_code(context: Context) -> bool:
    """Tell whether a character sits inside a <pre> block."""
    return any(tag.startswith("<pre") for tag in context[1])


def _is_indent(cluster: str) -> bool:
    """Tell whether a cluster is horizontal whitespace."""
    return cluster.isspace() and not any(char in "\n\r\v\f\x85\u2028\u2029" for char in cluster)
