"""Bot API calls with Telegram's failure modes handled: flood limits, 429, 403, migration,
parse errors. With a shared `RateLimiter`, every worker process stays within one budget."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.ratelimit import CallKind, RateLimiter
from bot.metrics import TELEGRAM_CALLS
from core.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")
Buttons = list[list[tuple[str, str]]]

# How long a final message may wait for its turn under the flood limits before the job is
# retried later (a long queue of chats at the overall 30/s limit).
MAX_LIMIT_WAIT_SECONDS = 120.0


class UserBlockedError(Exception):
    """The user blocked the bot (403): stop talking to them."""


class DeliveryError(Exception):
    """Telegram refused the call, or it could not be made in time."""


class ChatMovedError(Exception):
    """The group became a supergroup; carries the new chat id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


def _markup(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons
    ]
    return InlineKeyboardMarkup(rows)


class TelegramSender:
    """Sends, edits and drafts messages, retrying what Telegram asks to retry."""

    def __init__(
        self, bot: Bot, *, max_attempts: int = 6, limiter: RateLimiter | None = None
    ) -> None:
        self.bot = bot
        self.max_attempts = max_attempts
        self.limiter = limiter
        self.retry_after_seen = 0

    async def _wait_turn(self, chat_id: int) -> None:
        if self.limiter is None:
            return
        deadline = time.monotonic() + MAX_LIMIT_WAIT_SECONDS
        if not await self.limiter.acquire(chat_id, CallKind.MESSAGE, deadline=deadline):
            raise DeliveryError("flood limits: no slot within the wait limit")

    async def _may_skip(self, chat_id: int, kind: CallKind) -> bool:
        """True when a skippable call (a preview frame, typing) should not be made now."""
        return self.limiter is not None and await self.limiter.try_acquire(chat_id, kind) > 0

    async def _on_429(self, method: str, chat_id: int, exc: RetryAfter) -> float:
        self.retry_after_seen += 1
        TELEGRAM_CALLS.labels(method, "429").inc()
        seconds = _seconds(exc.retry_after)
        if self.limiter is not None:
            await self.limiter.penalize(chat_id, seconds)
        return seconds

    async def _call(
        self, method: str, chat_id: int, call: Callable[[], Awaitable[T]], *, paced: bool = True
    ) -> T:
        delay = 0.5
        for attempt in range(1, self.max_attempts + 1):
            if paced:
                await self._wait_turn(chat_id)
            try:
                result = await call()
                TELEGRAM_CALLS.labels(method, "ok").inc()
                return result
            except RetryAfter as exc:
                wait = await self._on_429(method, chat_id, exc)
                await asyncio.sleep(wait + random.uniform(0, 0.25))
            except Forbidden as exc:
                TELEGRAM_CALLS.labels(method, "403").inc()
                raise UserBlockedError(str(exc)) from exc
            except ChatMigrated as exc:
                TELEGRAM_CALLS.labels(method, "migrated").inc()
                raise ChatMovedError(int(exc.new_chat_id)) from exc
            except BadRequest:
                TELEGRAM_CALLS.labels(method, "400").inc()
                raise
            except (TimedOut, NetworkError) as exc:
                TELEGRAM_CALLS.labels(method, "network").inc()
                if attempt == self.max_attempts:
                    raise DeliveryError(f"network error: {exc}") from exc
                await asyncio.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 10.0)
        raise DeliveryError(f"{method}: still rate limited after {self.max_attempts} attempts")

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int = 0,
        html: bool = False,
        plain: str = "",
        buttons: Buttons | None = None,
    ) -> int:
        """Send a message and return its id; HTML falls back to `plain` on a parse error."""
        kwargs: dict[str, Any] = {
            "message_thread_id": thread_id or None,
            "reply_markup": _markup(buttons),
        }
        try:
            sent: Message = await self._call(
                "sendMessage",
                chat_id,
                lambda: self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML if html else None, **kwargs
                ),
            )
        except BadRequest as exc:
            if not (html and "parse entities" in str(exc).lower()):
                raise DeliveryError(str(exc)) from exc
            log.warning("html_rejected_sending_plain", chat_id=chat_id, error=str(exc)[:200])
            sent = await self._call(
                "sendMessage",
                chat_id,
                lambda: self.bot.send_message(chat_id, plain or text, **kwargs),
            )
        return int(sent.message_id)

    async def send_preview(self, chat_id: int, text: str, *, thread_id: int = 0) -> int | None:
        """Send the first frame of a group preview, unless the flood limits say to skip it."""
        if await self._may_skip(chat_id, CallKind.MESSAGE):
            return None
        try:
            sent: Message = await self._call(
                "sendMessage",
                chat_id,
                lambda: self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread_id or None
                ),
                paced=False,
            )
        except BadRequest as exc:
            log.debug("preview_skipped", error=str(exc)[:200])
            return None
        return int(sent.message_id)

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        html: bool = False,
        plain: str = "",
        skippable: bool = False,
    ) -> bool:
        """Edit a message; False when a skippable frame was skipped. 'Not modified' is done,
        and a parse error falls back to plain text."""
        if skippable and await self._may_skip(chat_id, CallKind.MESSAGE):
            return False
        try:
            await self._call(
                "editMessageText",
                chat_id,
                lambda: self.bot.edit_message_text(
                    text, chat_id, message_id, parse_mode=ParseMode.HTML if html else None
                ),
                paced=not skippable,
            )
        except BadRequest as exc:
            detail = str(exc).lower()
            if "not modified" in detail:
                return True
            if html and "parse entities" in detail:
                return await self.edit_text(chat_id, message_id, plain or text, skippable=skippable)
            if skippable:
                return False
            raise DeliveryError(str(exc)) from exc
        return True

    async def send_draft(
        self, chat_id: int, draft_id: int, text: str, *, html: bool = False
    ) -> bool:
        """Show a streaming draft; a frame the limits or Telegram refuse is skipped."""
        if await self._may_skip(chat_id, CallKind.DRAFT):
            return False
        try:
            await self.bot.send_message_draft(
                chat_id, draft_id, text, parse_mode=ParseMode.HTML if html else None
            )
        except RetryAfter as exc:
            await self._on_429("sendMessageDraft", chat_id, exc)
            return False
        except (BadRequest, TimedOut, NetworkError) as exc:
            TELEGRAM_CALLS.labels("sendMessageDraft", "error").inc()
            log.debug("draft_skipped", error=str(exc)[:200])
            return False
        except Forbidden as exc:
            raise UserBlockedError(str(exc)) from exc
        TELEGRAM_CALLS.labels("sendMessageDraft", "ok").inc()
        return True

    async def typing(self, chat_id: int, thread_id: int = 0) -> None:
        """Show 'typing…' for about five seconds; skipped under pressure, failures ignored."""
        if await self._may_skip(chat_id, CallKind.ACTION):
            return
        try:
            await self.bot.send_chat_action(chat_id, "typing", message_thread_id=thread_id or None)
        except (RetryAfter, BadRequest, TimedOut, NetworkError, Forbidden):
            TELEGRAM_CALLS.labels("sendChatAction", "error").inc()
