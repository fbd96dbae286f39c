"""The timing model: prefill time from uncached tokens, time per output token from batch size."""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def time_per_output_token(batch: int, curve: Sequence[tuple[int, float]]) -> float:
    """Seconds per decode step for a running batch, interpolated linearly along `curve`.

    Beyond the last point the last segment's slope continues; below the first, the first value.
    """
    points = sorted(curve)
    if batch <= points[0][0] or len(points) == 1:
        return points[0][1]
    for (b0, t0), (b1, t1) in itertools.pairwise(points):
        if batch <= b1:
            return t0 + (t1 - t0) * (batch - b0) / (b1 - b0)
    (b0, t0), (b1, t1) = points[-2], points[-1]
    return t1 + (t1 - t0) * (batch - b1) / (b1 - b0)


def prefill_seconds(uncached_tokens: int, *, tokens_per_second: float, overhead: float) -> float:
    """Seconds to prefill the part of a prompt the prefix cache did not cover."""
    return overhead + max(0, uncached_tokens) / tokens_per_second
