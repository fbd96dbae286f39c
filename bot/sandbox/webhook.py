"""Webhook delivery as Telegram does it: one update in flight per chat, retries with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.sandbox.config import SandboxConfig
from bot.sandbox.state import SandboxState, UpdateRecord

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_RETRY_AFTER = 3600.0
IGNORED_REPLY_METHODS = {"setwebhook", "deletewebhook", "close", "logout"}

ReplyExecutor = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class WebhookSettings:
    """What setWebhook stored, and the last delivery error."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def info(self, pending: int) -> dict[str, Any]:
        """Return the result of getWebhookInfo (absent optional fields omitted)."""
        data: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.url:
            data["max_connections"] = self.max_connections
        if self.url and self.ip_address:
            data["ip_address"] = self.ip_address
        if self.allowed_updates is not None:
            data["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message
        return data


@dataclass(frozen=True)
class Attempt:
    """The outcome of one POST of an update."""

    ok: bool
    error: str | None = None
    retry_after: float | None = None


def backoff(failures: int, base: float, cap: float) -> float:
    """Delay before the next try: the first retry is immediate, then base, 2*base, ... capped."""
    if failures <= 1:
        return 0.0
    return float(min(base * 2 ** (failures - 2), cap))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


class WebhookDelivery:
    """Posts queued updates to the webhook, one per chat at a time, chats in parallel."""

    def __init__(
        self,
        config: SandboxConfig,
        state: SandboxState,
        settings: Callable[[], WebhookSettings],
        execute_reply: ReplyExecutor,
    ) -> None:
        self.config = config
        self.state = state
        self.settings = settings
        self.execute_reply = execute_reply
        self._active: dict[int, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    async def run(self) -> None:
        """Start a drain task for every chat with pending updates, until cancelled."""
        self._client = httpx.AsyncClient(timeout=self.config.webhook_timeout)
        version = -1
        try:
            while True:
                if self.settings().url:
                    self._spawn_ready()
                version = await self.state.notifier.wait_newer(version, 1.0)
        finally:
            for task in self._active.values():
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*self._active.values(), return_exceptions=True)
            await self._client.aclose()

    def _spawn_ready(self) -> None:
        limit = self.settings().max_connections
        for update in list(self.state.updates):
            key = update.queue_key
            if key not in self._active and len(self._active) < limit:
                self._active[key] = asyncio.create_task(self._drain(key))

    async def _drain(self, key: int) -> None:
        try:
            while self.settings().url and (update := self.state.head_of(key)) is not None:
                await self._deliver(update)
        finally:
            self._active.pop(key, None)
            self.state.notifier.notify()

    async def _deliver(self, update: UpdateRecord) -> None:
        failures = 0
        while self.settings().url and update in self.state.updates:
            if time.time() - update.created > self.config.update_ttl:
                self.state.remove_update(update)
                return
            attempt = await self._post(update)
            if attempt.ok:
                self.state.remove_update(update)
                return
            failures += 1
            self._record_error(attempt.error or "Webhook error")
            if failures >= self.config.webhook_max_attempts:
                self.state.remove_update(update)
                return
            delay = attempt.retry_after
            if delay is None:
                delay = backoff(failures, self.config.webhook_retry_base,
                                self.config.webhook_retry_cap)
            await asyncio.sleep(delay)

    def _record_error(self, message: str) -> None:
        settings = self.settings()
        settings.last_error_date = int(time.time())
        settings.last_error_message = message
        self.state.changed(persistent=False)

    async def _post(self, update: UpdateRecord) -> Attempt:
        settings = self.settings()
        headers = {"Content-Type": "application/json"}
        if settings.secret_token:
            headers[SECRET_HEADER] = settings.secret_token
        assert self._client is not None
        try:
            response = await self._client.post(settings.url, json=update.payload, headers=headers)
        except httpx.TimeoutException:
            return Attempt(False, "Read timeout expired")
        except httpx.ConnectError:
            return Attempt(False, "Connection refused")
        except httpx.HTTPError as exc:
            return Attempt(False, f"Webhook connection closed: {type(exc).__name__}")
        if not 200 <= response.status_code < 300:
            error = f"Wrong response from the webhook: {response.status_code} "
            return Attempt(False, error + response.reason_phrase, _retry_after(response))
        await self._run_reply(response)
        return Attempt(True)

    async def _run_reply(self, response: httpx.Response) -> None:
        """Execute a Bot API call carried in a 2xx webhook answer; its result is dropped."""
        try:
            body = response.json()
        except ValueError:
            return
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return
        name = body["method"].lower()
        if name.startswith("get") or name in IGNORED_REPLY_METHODS:
            return
        try:
            await self.execute_reply(body)
        except Exception:  # the reference server never reports these results
            log.exception("sandbox: webhook reply call failed")
