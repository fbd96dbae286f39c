"""The streaming chat client for OpenAI-compatible model servers (SGLang in production).

Callers should close the stream when they stop early, so the HTTP response is closed and the
server aborts the request::

    async with contextlib.aclosing(client.stream_chat(...)) as stream:
        async for item in stream:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from inference import discovery, metrics
from inference.backpressure import OVERLOAD_STATUSES, AdaptiveGate
from inference.chat_stream import TruncatedStreamError, parse_chat_stream
from inference.errors import error_from_status
from inference.retry import backoff_delay, parse_retry_after
from inference.sse import iter_sse
from inference.types import (
    ChatMessage,
    ContextOverflowError,
    Delta,
    InferenceAuthError,
    InferenceError,
    StreamItem,
)

log = structlog.get_logger(__name__)

MAX_CONNECTIONS = 1024
MAX_KEEPALIVE = 256
KEY_REJECTED = "configuration error: inference API key rejected"


@dataclass
class _AttemptFailed(Exception):
    """One attempt failed; carries the error to raise and the label for the retry counter."""

    error: InferenceError
    reason: str
    retry_after: float | None = None


class InferenceClient:
    """Streams chat completions from an OpenAI-compatible server, with retries before text flows."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None,
        model: str,
        connect_timeout: float = 5,
        read_timeout: float = 120,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 8,
        http: httpx.AsyncClient | None = None,
        default_context_length: int = 8192,
        gate: AdaptiveGate | None = None,
    ) -> None:
        """Configure the client; `base_url` is the server root, without `/v1`.

        With a `gate`, streams beyond the gate's current limit wait for a slot (backpressure).
        """
        self._gate = gate
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._default_context_length = default_context_length
        self._context_length: int | None = None
        self._vision: bool | None = None
        self._auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(connect_timeout, read=read_timeout, pool=read_timeout),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
            ),
        )
        self._probe_timeout = httpx.Timeout(connect_timeout, read=min(read_timeout, 10))

    def __repr__(self) -> str:
        """Show the target without the API key."""
        return f"InferenceClient({self._base_url!r}, model={self._model!r})"

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> InferenceClient:
        """Use the client as an async context manager."""
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Close the client."""
        await self.aclose()

    async def stream_chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        request_id: str,
        temperature: float | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        """Yield Delta items as text arrives, then exactly one Finish.

        Retryable failures (408, 429, 5xx, connection errors, timeouts, truncated streams) are
        retried with backoff while no text has been yielded. Later failures raise with
        retryable=True so the caller can decide. Retries send `rid` = "<request_id>-r<n>", since
        SGLang rejects a rid that may still be in flight; X-Request-Id stays `request_id`.
        """
        metrics.REQUESTS.inc()
        started = time.monotonic()
        got_text = False
        attempt = 0
        while True:
            rid = request_id if attempt == 0 else f"{request_id}-r{attempt}"
            body = self._chat_body(messages, max_tokens, rid, temperature)
            try:
                async with (
                    self._slot(),
                    contextlib.aclosing(self._attempt(body, request_id)) as items,
                ):
                    async for item in items:
                        if isinstance(item, Delta) and not got_text:
                            got_text = True
                            metrics.TIME_TO_FIRST_TOKEN.observe(time.monotonic() - started)
                        yield item
                if self._gate is not None:
                    await self._gate.succeeded()
                return
            except _AttemptFailed as failed:
                if self._gate is not None and failed.error.status in OVERLOAD_STATUSES:
                    await self._gate.overloaded()
                if got_text or not failed.error.retryable or attempt >= self._max_retries:
                    metrics.ERRORS.labels(_error_kind(failed)).inc()
                    log.warning(
                        "inference stream failed",
                        request_id=request_id,
                        attempts=attempt + 1,
                        reason=failed.reason,
                        status=failed.error.status,
                        after_text=got_text,
                    )
                    raise failed.error from failed.error.__cause__
                metrics.RETRIES.labels(failed.reason).inc()
                delay = backoff_delay(
                    attempt,
                    base=self._backoff_base,
                    cap=self._backoff_max,
                    retry_after=failed.retry_after,
                )
                log.info(
                    "inference retry",
                    request_id=request_id,
                    reason=failed.reason,
                    delay=round(delay, 3),
                )
                await asyncio.sleep(delay)
                attempt += 1

    def _slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self._gate.slot() if self._gate is not None else contextlib.nullcontext()

    def _chat_body(
        self, messages: list[ChatMessage], max_tokens: int, rid: str, temperature: float | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": max_tokens,
            "rid": rid,
        }
        if temperature is not None:
            body["temperature"] = temperature
        return body

    async def _attempt(
        self, body: dict[str, Any], request_id: str
    ) -> AsyncGenerator[StreamItem, None]:
        """Run one HTTP attempt; every failure comes out as _AttemptFailed."""
        metrics.ATTEMPTS.inc()
        headers = {**self._auth, "X-Request-Id": request_id, "Accept": "text/event-stream"}
        url = f"{self._base_url}/v1/chat/completions"
        try:
            async with self._http.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    error = error_from_status(response.status_code, await response.aread())
                    raise _AttemptFailed(
                        error,
                        f"http_{response.status_code}",
                        parse_retry_after(response.headers.get("retry-after")),
                    )
                stream = parse_chat_stream(iter_sse(response.aiter_lines()))
                async with contextlib.aclosing(stream):
                    async for item in stream:
                        yield item
        except TruncatedStreamError as exc:
            raise _AttemptFailed(exc, "truncated") from exc
        except InferenceError as exc:
            raise _AttemptFailed(exc, f"inband_{exc.status}") from exc
        except httpx.TimeoutException as exc:
            error = InferenceError(f"timeout: {type(exc).__name__}", retryable=True)
            error.__cause__ = exc
            raise _AttemptFailed(error, "timeout") from exc
        except httpx.TransportError as exc:
            error = InferenceError(f"connection error: {type(exc).__name__}: {exc}", retryable=True)
            error.__cause__ = exc
            raise _AttemptFailed(error, "connection") from exc

    async def context_length(self) -> int:
        """The server's context window in tokens, learnt once; the configured default otherwise.

        Tries SGLang's /v1/models max_model_len, /server_info and /model_info context_length,
        then llama.cpp's /v1/models meta.n_ctx and /props n_ctx. A 401 raises InferenceAuthError.
        """
        if self._context_length is not None:
            return self._context_length
        for path, reader in discovery.PROBES:
            value = reader(await self._get_json(path))
            if value is not None:
                self._context_length = value
                return value
        log.warning("context length not discovered", default=self._default_context_length)
        return self._default_context_length

    async def supports_images(self) -> bool:
        """Whether the served model reads images, learnt once from the server.

        SGLang's /model_info says `has_image_understanding`; llama.cpp's /props says
        `modalities.vision`. A server that says neither is taken not to.
        """
        if self._vision is None:
            self._vision = False
            for path, reader in discovery.VISION_PROBES:
                value = reader(await self._get_json(path))
                if value is not None:
                    self._vision = value
                    break
        return self._vision

    async def _get_json(self, path: str) -> Any:
        """GET a JSON document; None when unreachable, not found or not JSON; 401 raises."""
        try:
            response = await self._http.get(
                self._base_url + path, headers=self._auth, timeout=self._probe_timeout
            )
        except httpx.HTTPError:
            return None
        if response.status_code == 401:
            raise InferenceAuthError(KEY_REJECTED, status=401)
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    async def health(self) -> tuple[bool, str]:
        """Whether the server is reachable and serving, with a short reason.

        `/health` must answer 200; then `/v1/models` checks that the API key is accepted.
        """
        try:
            response = await self._http.get(f"{self._base_url}/health", timeout=self._probe_timeout)
            if response.status_code != 200:
                return False, f"not ready: /health answered HTTP {response.status_code}"
            models = await self._http.get(
                f"{self._base_url}/v1/models", headers=self._auth, timeout=self._probe_timeout
            )
        except httpx.HTTPError as exc:
            return False, f"unreachable: {type(exc).__name__}"
        if models.status_code == 401:
            return False, KEY_REJECTED
        if models.status_code != 200:
            return False, f"not serving: /v1/models answered HTTP {models.status_code}"
        return True, "ok"


def _error_kind(failed: _AttemptFailed) -> str:
    error = failed.error
    if isinstance(error, ContextOverflowError):
        return "context_overflow"
    if isinstance(error, InferenceAuthError):
        return "auth"
    if failed.reason in ("timeout", "connection", "truncated"):
        return failed.reason
    if error.status is None:
        return "protocol"
    return "unavailable" if error.retryable else f"status_{error.status}"
