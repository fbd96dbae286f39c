"""A small Server-Sent Events parser for OpenAI-style streams (data lines, blank-line framing)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its name ("message" unless `event:` said otherwise) and data."""

    event: str
    data: str


async def iter_sse(lines: AsyncIterable[str]) -> AsyncIterator[SSEEvent]:
    """Group decoded lines (without line endings) into events, per the WHATWG SSE rules we need.

    Besides `data:` this accepts llama.cpp's `error: {...}` lines, reported as an event named
    "error" so that in-band failures are not lost.
    """
    data: list[str] = []
    event = "message"
    async for line in lines:
        if not line:
            if data:
                yield SSEEvent(event, "\n".join(data))
            data, event = [], "message"
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "error":
            data, event = [value], "error"
    if data:
        yield SSEEvent(event, "\n".join(data))
