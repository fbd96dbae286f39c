"""SGLang 0.5.23's bytes on the wire: SSE chunks, responses, usage and error bodies."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

DONE = b"data: [DONE]\n\n"


def compact(obj: Any) -> str:
    """JSON the way msgspec and pydantic write it: no spaces, UTF-8 kept as is."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sse(obj: Any) -> bytes:
    """One `data: <json>` event in compact JSON."""
    return f"data: {compact(obj)}\n\n".encode()


def chunk(
    rid: str,
    created: int,
    model: str,
    delta: dict[str, Any],
    finish_reason: str | None = None,
    matched_stop: int | str | None = None,
) -> bytes:
    """A chat.completion.chunk event; `delta` always starts with reasoning_content: null."""
    choice = {
        "index": 0,
        "delta": {"reasoning_content": None, **delta},
        "logprobs": None,
        "finish_reason": finish_reason,
        "matched_stop": matched_stop,
    }
    return sse(_envelope(rid, created, model, [choice]))


def usage_chunk(rid: str, created: int, model: str, usage: dict[str, Any]) -> bytes:
    """The usage event: empty choices, sent only when stream_options.include_usage is set."""
    return sse({**_envelope(rid, created, model, []), "usage": usage})


def usage(prompt: int, completion: int, cached: int | None) -> dict[str, Any]:
    """The usage object; prompt_tokens_details only in --enable-cache-report mode."""
    return {
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens": completion,
        "prompt_tokens_details": None if cached is None else {"cached_tokens": cached},
        "reasoning_tokens": 0,
        "completion_tokens_details": None,
    }


def completion(
    rid: str,
    created: int,
    model: str,
    text: str,
    finish_reason: str,
    matched_stop: int | str | None,
    usage_obj: dict[str, Any],
) -> dict[str, Any]:
    """The non-streaming chat.completion body."""
    return {
        "id": rid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "reasoning_content": None},
                "logprobs": None,
                "finish_reason": finish_reason,
                "matched_stop": matched_stop,
            }
        ],
        "usage": usage_obj,
        "metadata": None,
    }


def error_response(message: str, status: int, err_type: str | None = None) -> dict[str, Any]:
    """SGLang's top-level ErrorResponse (no "error" wrapper)."""
    return {
        "object": "error",
        "message": message,
        "type": err_type or error_type(status),
        "param": None,
        "code": status,
    }


def inband_error(message: str, status: int, err_type: str | None = None) -> bytes:
    """An error event inside a stream, `{"error": {...}}`, as SGLang's json.dumps writes it."""
    body = {"error": error_response(message, status, err_type)}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def error_type(status: int) -> str:
    """SGLang's type for a status: BadRequestError for 400, else the HTTPStatus name."""
    if status == 400:
        return "BadRequestError"
    if status == 500:
        return "InternalServerError"
    try:
        return HTTPStatus(status).name
    except ValueError:
        return "Error"


def _envelope(rid: str, created: int, model: str, choices: list[Any]) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
    }
