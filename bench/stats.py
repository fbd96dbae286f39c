"""Summary statistics: percentiles as numpy's default (linear interpolation) computes them."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, mean, p50, p90, p99 and max of `values`, rounded to 0.1."""
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "n": len(values),
        "mean": rounded(sum(values) / len(values)) if values else None,
        "p50": rounded(percentile(values, 50)),
        "p90": rounded(percentile(values, 90)),
        "p99": rounded(percentile(values, 99)),
        "max": rounded(max(values)) if values else None,
    }


def peak_overlap(intervals: Sequence[tuple[float, float]]) -> int:
    """The largest number of [start, end) intervals open at the same instant."""
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak
