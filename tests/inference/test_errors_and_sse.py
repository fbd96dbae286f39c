"""Error classification and SSE framing, as pure functions over the exact bodies servers send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from inference.chat_stream import TruncatedStreamError, parse_chat_stream
from inference.errors import error_from_inband, error_from_status
from inference.retry import backoff_delay
from inference.sse import SSEEvent, iter_sse
from inference.types import ContextOverflowError, Delta, Finish, InferenceAuthError


async def _lines(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


def _events(lines: list[str]) -> list[SSEEvent]:
    async def collect() -> list[SSEEvent]:
        return [event async for event in iter_sse(_lines(lines))]

    return asyncio.run(collect())


@pytest.mark.parametrize(
    "message",
    [
        "The input (9000 tokens) is longer than the model's context length (8192 tokens).",
        "Input length (9000 tokens) exceeds the maximum allowed length (8000 tokens). Use a "
        "shorter input or enable --allow-auto-truncate.",
        "Requested token count exceeds the model's maximum context length of 8192 tokens.",
    ],
)
def test_sglang_context_overflow_messages(message: str) -> None:
    body = {"object": "error", "message": message, "type": "BadRequestError", "code": 400}
    error = error_from_status(400, json.dumps(body).encode())
    assert isinstance(error, ContextOverflowError) and not error.retryable


def test_llama_cpp_overflow_and_statuses() -> None:
    llama = (
        b'{"error":{"code":400,"message":"request (3031 tokens) exceeds the available context '
        b'size (1024 tokens), try increasing it","type":"exceed_context_size_error"}}'
    )
    assert isinstance(error_from_status(400, llama), ContextOverflowError)
    assert isinstance(error_from_status(401, b'{"error":"Unauthorized"}'), InferenceAuthError)
    assert not error_from_status(400, b'{"message":"bad"}').retryable
    assert not error_from_status(404, b"not found").retryable
    for status in (408, 429, 500, 502, 503, 504):
        assert error_from_status(status, b"").retryable
    inband = error_from_inband({"error": {"message": "The request queue is full.", "code": 503}})
    assert inband.status == 503 and inband.retryable


def test_sse_framing() -> None:
    events = _events(
        [": ping", 'data: {"a":1}', "", "event: x", "data: 1", "data: 2", "", "data: [DONE]"]
    )
    assert events == [
        SSEEvent("message", '{"a":1}'),
        SSEEvent("x", "1\n2"),
        SSEEvent("message", "[DONE]"),
    ]
    assert _events(['error: {"message":"boom"}', ""]) == [SSEEvent("error", '{"message":"boom"}')]


def test_stream_parser_needs_done_or_finish() -> None:
    chunk = '{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":%s}]}'

    async def parse(lines: list[str]) -> list[object]:
        return [item async for item in parse_chat_stream(iter_sse(_lines(lines)))]

    with pytest.raises(TruncatedStreamError):
        asyncio.run(parse([f"data: {chunk % 'null'}", ""]))
    stop = chunk % '"stop"'
    items = asyncio.run(parse([f"data: {stop}", ""]))
    assert items == [Delta("hi"), Finish("stop", None)]


def test_backoff_is_full_jitter_capped() -> None:
    delays = [backoff_delay(attempt, base=0.5, cap=8) for attempt in range(10) for _ in range(20)]
    assert all(0 <= d <= 8 for d in delays) and max(delays) > 4
    assert backoff_delay(0, base=0.5, cap=8, retry_after=3) >= 3
    assert backoff_delay(0, base=0.5, cap=2, retry_after=30) == 2
