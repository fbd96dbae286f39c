"""A log of every Bot API call received, and counts of 429s served, for test assertions."""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any


class Journal:
    """Remembers the latest Bot API calls and counts the answers by method."""

    def __init__(self, max_calls: int) -> None:
        self._calls: deque[dict[str, Any]] = deque(maxlen=max_calls)
        self.too_many_requests: Counter[str] = Counter()
        self.calls_by_method: Counter[str] = Counter()

    def record(
        self, method: str, params: dict[str, Any], status: int, source: str = "http",
        description: str | None = None,
    ) -> None:
        """Log one call; ``params`` are as received (PTB sends most values as strings)."""
        entry: dict[str, Any] = {
            "method": method, "params": params, "status": status,
            "time": time.time(), "source": source,
        }
        if description is not None:
            entry["description"] = description
        self._calls.append(entry)
        self.calls_by_method[method] += 1
        if status == 429:
            self.too_many_requests[method] += 1

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Return the logged calls in order, optionally of one method (case-insensitive)."""
        if method is None:
            return list(self._calls)
        return [c for c in self._calls if c["method"].lower() == method.lower()]

    def clear_calls(self) -> None:
        """Forget the logged calls (the counters are kept)."""
        self._calls.clear()

    def stats(self) -> dict[str, Any]:
        """Return the counters."""
        return {
            "too_many_requests": dict(self.too_many_requests),
            "too_many_requests_total": sum(self.too_many_requests.values()),
            "calls": dict(self.calls_by_method),
        }

    def reset(self) -> None:
        """Forget calls and counters."""
        self._calls.clear()
        self.too_many_requests.clear()
        self.calls_by_method.clear()
