"""Draining a chat: its open messages answered one at a time, in order, under a chat lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import LockError, RedisError

from core.logging import get_logger
from core.storage import queries
from workers.chat_lock import chat_lock
from workers.pipeline import Outcome, process_message
from workers.runtime import Runtime

log = get_logger(__name__)

# Bounded so that one busy chat cannot hold a worker thread forever; the rest is re-enqueued.
MAX_MESSAGES_PER_DRAIN = 20


@dataclass(frozen=True)
class DrainResult:
    """What a drain did."""

    locked: bool
    processed: int
    more: bool
    retry_later: bool


def drain_chat(
    rt: Runtime,
    chat_id: int,
    *,
    enqueue: Callable[[int], None],
    enqueue_later: Callable[[int, float], None],
) -> DrainResult:
    """Answer a chat's open messages in order; another holder of the lock makes this a no-op."""
    lock = chat_lock(rt.redis, chat_id, rt.settings.chat_lock_ttl_seconds)
    if not lock.acquire(blocking=False):
        return DrainResult(locked=False, processed=0, more=False, retry_later=False)
    rt.keeper.add(lock)
    processed, retry_later = 0, False
    try:
        while processed < MAX_MESSAGES_PER_DRAIN:
            if processed and not lock.owned():
                log.warning("chat_lock_lost", chat_id=chat_id)
                break  # another worker holds the chat now; the fencing check keeps one answer
            with rt.db.session() as session:
                message = queries.next_open_message(session, chat_id)
                message_id = message.id if message else None
            if message_id is None:
                break
            outcome = process_message(rt, message_id)
            processed += 1
            if outcome is Outcome.RETRY_LATER:
                retry_later = True
                break
    finally:
        rt.keeper.discard(lock)
        try:
            lock.release()
        except (LockError, RedisError) as exc:
            log.warning("lock_release_failed", chat_id=chat_id, error=type(exc).__name__)
    more = _has_open_work(rt, chat_id)
    if retry_later:
        enqueue_later(chat_id, _retry_delay(processed))
    elif more:
        enqueue(chat_id)
    return DrainResult(locked=True, processed=processed, more=more, retry_later=retry_later)


def _has_open_work(rt: Runtime, chat_id: int) -> bool:
    with rt.db.session() as session:
        return queries.next_open_message(session, chat_id) is not None


def _retry_delay(_processed: int) -> float:
    return 2.0
