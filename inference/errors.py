"""Turning HTTP statuses and error bodies from the model server into InferenceError classes."""

from __future__ import annotations

import json
from typing import Any

from inference.types import ContextOverflowError, InferenceAuthError, InferenceError

# Substrings of SGLang's context-overflow messages (reference §2.8), plus llama.cpp's error type.
CONTEXT_OVERFLOW_MARKERS = (
    "longer than the model's context length",
    "exceeds the maximum allowed length",
    "exceeds the model's maximum context length",
)
LLAMA_CPP_OVERFLOW_TYPE = "exceed_context_size_error"

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def error_from_status(status: int, body: bytes | str) -> InferenceError:
    """Build the error for an HTTP error response, classifying it by status and message."""
    message, err_type = describe_error_body(body)
    return classify(status, message, err_type)


def error_from_inband(payload: dict[str, Any]) -> InferenceError:
    """Build the error for an in-band SSE `{"error": {...}}` event (status taken from its code)."""
    error = payload.get("error")
    message, err_type = _describe(error)
    code = error.get("code") if isinstance(error, dict) else None
    status = code if isinstance(code, int) else _status_from_type(err_type)
    return classify(status, message, err_type, in_band=True)


def classify(
    status: int | None, message: str, err_type: str | None = None, *, in_band: bool = False
) -> InferenceError:
    """Pick the InferenceError subclass and retryability for a failure."""
    where = "in-band error" if in_band else "HTTP"
    text = f"{where} {status}: {message}" if status is not None else f"{where}: {message}"
    if status == 401:
        return InferenceAuthError(
            f"configuration error: inference API key rejected ({text})", status=401
        )
    if status == 400 and is_context_overflow(message, err_type):
        return ContextOverflowError(text, status=400)
    retryable = status is None or status in RETRYABLE_STATUSES
    return InferenceError(text, status=status, retryable=retryable)


def is_context_overflow(message: str, err_type: str | None = None) -> bool:
    """True when a 400's message or type says the prompt does not fit the context window."""
    return err_type == LLAMA_CPP_OVERFLOW_TYPE or any(
        marker in message for marker in CONTEXT_OVERFLOW_MARKERS
    )


def describe_error_body(body: bytes | str) -> tuple[str, str | None]:
    """Extract (message, type) from SGLang's ErrorResponse, OpenAI's nested error or plain text."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return _shorten(text) or "(empty body)", None
    if isinstance(parsed, dict) and "error" in parsed:
        return _describe(parsed["error"])
    return _describe(parsed)


def _describe(error: Any) -> tuple[str, str | None]:
    if isinstance(error, dict):
        message = error.get("message") or error.get("detail") or json.dumps(error)[:300]
        err_type = error.get("type")
        return _shorten(str(message)), err_type if isinstance(err_type, str) else None
    return _shorten(str(error)), None


def _status_from_type(err_type: str | None) -> int | None:
    names = {"SERVICE_UNAVAILABLE": 503, "BadRequestError": 400, "invalid_request_error": 400}
    return names.get(err_type or "")


def _shorten(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."
