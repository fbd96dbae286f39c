"""The data the inference client hands to its callers: text deltas, the finish, usage and errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ChatMessage = dict[str, Any]
"""One OpenAI chat message: {"role": ..., "content": str | list of content parts}."""


@dataclass(frozen=True)
class Usage:
    """Token counts from the stream's usage chunk."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None = None


@dataclass(frozen=True)
class Delta:
    """A piece of the answer's text, in order."""

    text: str


@dataclass(frozen=True)
class Finish:
    """The end of a stream: why it stopped and what it cost."""

    finish_reason: str | None
    usage: Usage | None


StreamItem = Delta | Finish


class InferenceError(Exception):
    """A failed model call; `retryable` says whether the same request may be tried again."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class ContextOverflowError(InferenceError):
    """The prompt (plus max_tokens) does not fit the model's context window (HTTP 400)."""


class InferenceAuthError(InferenceError):
    """The model server refused the API key (HTTP 401): a configuration error."""
