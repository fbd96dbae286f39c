"""Shared helpers for the inference tests."""

from __future__ import annotations

import time
from typing import Any

import httpx


def stats(url: str) -> dict[str, Any]:
    """The simulator's test counters."""
    body: dict[str, Any] = httpx.get(f"{url}/_sim/stats").json()
    return body


def arm_fault(url: str, **spec: Any) -> None:
    """Arm a simulator fault (see FaultSpec)."""
    httpx.post(f"{url}/_sim/faults", json=spec).raise_for_status()


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    """Poll until predicate() is true, or fail."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def sse_events(raw: bytes) -> list[str]:
    """The `data:` payloads of a raw SSE body, checking the framing on the way."""
    text = raw.decode()
    assert text.endswith("\n\n")
    events = text[:-2].split("\n\n")
    assert all(event.startswith("data: ") for event in events), events
    return [event.removeprefix("data: ") for event in events]
