"""Re-enqueues chats whose open messages lost their job (a killed worker, a lost enqueue)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from core.logging import get_logger
from core.storage import queries
from workers.chat_lock import chat_lock_name
from workers.runtime import Runtime

log = get_logger(__name__)


def sweep_once(rt: Runtime, enqueue: Callable[[int], None], older_than: timedelta) -> list[int]:
    """Enqueue every chat with open work that no worker holds; returns those chats."""
    with rt.db.session() as session:
        chats = queries.chats_with_open_work(session, older_than)
    orphaned = [chat for chat in chats if not rt.redis.exists(chat_lock_name(chat))]
    for chat_id in orphaned:
        enqueue(chat_id)
    if orphaned:
        log.info("sweeper_requeued", chats=len(orphaned))
    return orphaned


def start_sweeper(rt: Runtime, enqueue: Callable[[int], None]) -> threading.Event:
    """Sweep at start-up and then every interval in a daemon thread; set the event to stop."""
    stop = threading.Event()
    interval = rt.settings.sweep_interval_seconds

    def loop() -> None:
        older_than = timedelta(0)
        while True:
            try:
                sweep_once(rt, enqueue, older_than)
            except Exception as exc:
                log.warning("sweep_failed", error=type(exc).__name__, detail=str(exc)[:200])
            older_than = timedelta(seconds=interval)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name="sweeper", daemon=True).start()
    return stop
