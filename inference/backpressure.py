"""Backpressure: fewer streams in flight while the model server says its queue is full.

Additive increase, multiplicative decrease (as TCP does): every 503/429 "queue full" halves the
number of streams this process may have in flight, every completed stream raises it by one.
Streams beyond the limit wait here, and the wait shows in
`parley_inference_backpressure_wait_seconds`, instead of piling onto the server's queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from inference import metrics

OVERLOAD_STATUSES = frozenset({429, 503})


class AdaptiveGate:
    """An AIMD concurrency limit for one event loop."""

    def __init__(self, max_limit: int, *, min_limit: int = 1) -> None:
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.limit = max_limit
        self.in_flight = 0
        self._changed: asyncio.Condition | None = None
        metrics.CONCURRENCY_LIMIT.set(max_limit)

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the allowed in-flight slots for the duration of a stream attempt."""
        changed = self._condition()
        started = time.monotonic()
        async with changed:
            await changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        metrics.BACKPRESSURE_WAIT.observe(time.monotonic() - started)
        try:
            yield
        finally:
            async with changed:
                self.in_flight -= 1
                changed.notify()

    async def overloaded(self) -> None:
        """The server's queue is full: halve the limit."""
        metrics.OVERLOADS.inc()
        self._set(max(self.min_limit, self.limit // 2))

    async def succeeded(self) -> None:
        """A stream completed: allow one more."""
        if self.limit < self.max_limit:
            self._set(self.limit + 1)
            changed = self._condition()
            async with changed:
                changed.notify()

    def _set(self, limit: int) -> None:
        self.limit = limit
        metrics.CONCURRENCY_LIMIT.set(limit)
