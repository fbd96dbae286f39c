"""Turning the SSE events of an OpenAI chat completion stream into Delta and Finish items."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterable
from typing import Any

from inference.errors import error_from_inband
from inference.sse import SSEEvent
from inference.types import Delta, Finish, InferenceError, StreamItem, Usage


class TruncatedStreamError(InferenceError):
    """The stream ended before `data: [DONE]` and before any finish_reason."""


async def parse_chat_stream(
    events: AsyncIterable[SSEEvent],
) -> AsyncGenerator[StreamItem, None]:
    """Yield a Delta per non-empty `delta.content`, then one Finish after `[DONE]`.

    In-band `{"error": ...}` events raise the classified InferenceError. A stream that ends
    without [DONE] still finishes normally if a finish_reason was seen; with neither it raises
    TruncatedStreamError (retryable).
    """
    finish_reason: str | None = None
    usage: Usage | None = None
    async for event in events:
        if event.data == "[DONE]":
            yield Finish(finish_reason, usage)
            return
        payload = _decode(event.data)
        if event.event == "error" or "error" in payload:
            raise error_from_inband(payload if "error" in payload else {"error": payload})
        usage = parse_usage(payload.get("usage")) or usage
        for choice in payload.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            text = (choice.get("delta") or {}).get("content")
            if isinstance(text, str) and text:
                yield Delta(text)
            finish_reason = choice.get("finish_reason") or finish_reason
    if finish_reason is None:
        raise TruncatedStreamError("stream ended before [DONE] and finish_reason", retryable=True)
    yield Finish(finish_reason, usage)


def parse_usage(raw: Any) -> Usage | None:
    """Build Usage from an OpenAI usage object; cached_tokens from prompt_tokens_details."""
    if not isinstance(raw, dict):
        return None
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=cached if isinstance(cached, int) else None,
    )


def _decode(data: str) -> dict[str, Any]:
    try:
        payload = json.loads(data)
    except ValueError:
        raise InferenceError(f"malformed SSE data: {data[:200]!r}") from None
    if not isinstance(payload, dict):
        raise InferenceError(f"unexpected SSE data: {data[:200]!r}")
    return payload
