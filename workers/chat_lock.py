"""Per-chat locks in Redis, kept alive while a chat is being answered."""

from __future__ import annotations

import threading

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from core.logging import get_logger

log = get_logger(__name__)


def chat_lock_name(chat_id: int) -> str:
    """The Redis key of a chat's lock."""
    return f"parley:chat-lock:{chat_id}"


def chat_lock(redis: Redis, chat_id: int, ttl: float) -> Lock:
    """A non-blocking lock that expires `ttl` seconds after its last renewal."""
    return Lock(redis, chat_lock_name(chat_id), timeout=ttl, blocking=False, thread_local=False)


class LockKeeper:
    """One thread that renews every held chat lock, so a dead worker's locks soon expire."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._locks: set[Lock] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-keeper", daemon=True)
        self._thread.start()

    def add(self, lock: Lock) -> None:
        """Start renewing a lock."""
        with self._guard:
            self._locks.add(lock)

    def discard(self, lock: Lock) -> None:
        """Stop renewing a lock."""
        with self._guard:
            self._locks.discard(lock)

    def stop(self) -> None:
        """Stop the renewing thread."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._guard:
                locks = list(self._locks)
            for lock in locks:
                try:
                    lock.reacquire()
                except (LockError, RedisError) as exc:
                    log.warning(
                        "lock_renewal_failed", lock=str(lock.name), error=type(exc).__name__
                    )
