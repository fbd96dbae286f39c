"""Long polling for a laptop: every update goes through the same intake as the webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.intake import ALLOWED_UPDATES, IntakeResult, InvalidUpdate, validate_update
from bot.metrics import UPDATES
from core.logging import get_logger

log = get_logger(__name__)

Intake = Callable[[dict[str, Any]], IntakeResult]


async def poll_forever(bot: Bot, intake: Intake, *, poll_seconds: int = 30) -> None:
    """Fetch updates with getUpdates and feed them to the intake until cancelled."""
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    backoff = 1.0
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES
            )
            backoff = 1.0
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc.retry_after))
            continue
        except (TimedOut, NetworkError) as exc:
            log.warning("poll_failed", error=str(exc)[:200])
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        for update in updates:
            await _feed(intake, update.to_dict())
            offset = update.update_id + 1


async def _feed(intake: Intake, raw: dict[str, Any]) -> None:
    """Hand one update to the intake, retrying until it is stored (the offset waits for it)."""
    try:
        update = validate_update(raw)
    except InvalidUpdate:
        UPDATES.labels("polling", "invalid").inc()
        return
    delay = 0.5
    while True:
        try:
            result = await asyncio.to_thread(intake, update)
            UPDATES.labels("polling", result.outcome).inc()
            return
        except Exception as exc:
            log.error("intake_failed", error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
