"""Exponential backoff with full jitter."""

from __future__ import annotations

import random


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number `attempt + 1` (attempt counts from 0).

    Full jitter: uniform in [0, min(cap, base * 2**attempt)]. A server's Retry-After, when given,
    is a floor, still capped so one reply cannot stall a worker for minutes.
    """
    ceiling = min(cap, base * (2**attempt))
    delay = (rng or random).uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
