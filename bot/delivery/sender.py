"""Bot API calls with Telegram's failure modes handled: 429, 403, migration, parse errors."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.metrics import TELEGRAM_CALLS
from core.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class UserBlockedError(Exception):
    """The user blocked the bot (403): stop talking to them."""


class DeliveryError(Exception):
    """Telegram refused the call for good (a 400 that retrying cannot fix)."""


class ChatMovedError(Exception):
    """The group became a supergroup; carries the new chat id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


class TelegramSender:
    """Sends, edits and drafts messages, retrying what Telegram asks to retry."""

    def __init__(
        self,
        bot: Bot,
        *,
        max_attempts: int = 6,
        on_migrate: Callable[[int, int], None] | None = None,
    ) -> None:
        self.bot = bot
        self.max_attempts = max_attempts
        self.on_migrate = on_migrate
        self.retry_after_seen = 0

    async def _call(self, method: str, call: Callable[[], Awaitable[T]]) -> T:
        delay = 0.5
        for attempt in range(1, self.max_attempts + 1):
            try:
                result = await call()
                TELEGRAM_CALLS.labels(method, "ok").inc()
                return result
            except RetryAfter as exc:
                self.retry_after_seen += 1
                TELEGRAM_CALLS.labels(method, "429").inc()
                await asyncio.sleep(_seconds(exc.retry_after) + random.uniform(0, 0.25))
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
        buttons: list[list[tuple[str, str]]] | None = None,
    ) -> int:
        """Send a message and return its id; HTML falls back to `plain` on a parse error."""
        kwargs: dict[str, Any] = {"message_thread_id": thread_id or None}
        if buttons:
            kwargs["reply_markup"] = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in buttons
                ]
            )
        try:
            sent: Message = await self._call(
                "sendMessage",
                lambda: self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML if html else None, **kwargs
                ),
            )
        except BadRequest as exc:
            if not (html and "parse entities" in str(exc).lower()):
                raise DeliveryError(str(exc)) from exc
            log.warning("html_rejected_sending_plain", chat_id=chat_id, error=str(exc)[:200])
            sent = await self._call(
                "sendMessage", lambda: self.bot.send_message(chat_id, plain or text, **kwargs)
            )
        return int(sent.message_id)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, html: bool = False, plain: str = ""
    ) -> None:
        """Edit a message; 'not modified' counts as done, parse errors fall back to plain."""
        try:
            await self._call(
                "editMessageText",
                lambda: self.bot.edit_message_text(
                    text, chat_id, message_id, parse_mode=ParseMode.HTML if html else None
                ),
            )
        except BadRequest as exc:
            detail = str(exc).lower()
            if "not modified" in detail:
                return
            if html and "parse entities" in detail:
                await self.edit_text(chat_id, message_id, plain or text)
                return
            raise DeliveryError(str(exc)) from exc

    async def send_draft(
        self, chat_id: int, draft_id: int, text: str, *, html: bool = False
    ) -> bool:
        """Show a streaming draft; a frame Telegram refuses is skipped, not retried."""
        try:
            await self.bot.send_message_draft(
                chat_id, draft_id, text, parse_mode=ParseMode.HTML if html else None
            )
        except RetryAfter:
            self.retry_after_seen += 1
            TELEGRAM_CALLS.labels("sendMessageDraft", "429").inc()
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
        """Show 'typing…' for about five seconds; failures are ignored."""
        try:
            await self.bot.send_chat_action(chat_id, "typing", message_thread_id=thread_id or None)
        except (RetryAfter, BadRequest, TimedOut, NetworkError, Forbidden):
            TELEGRAM_CALLS.labels("sendChatAction", "error").inc()
