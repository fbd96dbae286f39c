"""FCFS admission: at most `max_running` requests decode together, the rest wait in a queue."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class QueueFullError(Exception):
    """The waiting queue is at --max-queued-requests."""


class Scheduler(Generic[T]):
    """Slots for running requests and an optionally bounded FIFO of waiting ones."""

    def __init__(self, max_running: int, max_queued: int | None) -> None:
        """Allow `max_running` at once; refuse newcomers when `max_queued` are waiting."""
        self.max_running = max_running
        self.max_queued = max_queued
        self.running: set[T] = set()
        self.waiting: deque[tuple[T, asyncio.Future[bool]]] = deque()

    def check_capacity(self) -> None:
        """Raise QueueFullError if a new request would have to wait in a full queue."""
        if self._has_free_slot():
            return
        if self.max_queued is not None and len(self.waiting) >= self.max_queued:
            raise QueueFullError("The request queue is full.")

    async def admit(self, item: T) -> bool:
        """Wait for a slot; False when the item was withdrawn (aborted) while waiting."""
        self.check_capacity()
        if self._has_free_slot():
            self.running.add(item)
            return True
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        entry = (item, future)
        self.waiting.append(entry)
        try:
            return await future
        except asyncio.CancelledError:
            if entry in self.waiting:
                self.waiting.remove(entry)
            elif future.done() and not future.cancelled() and future.result():
                self.release(item)
            raise

    def withdraw(self, item: T) -> None:
        """Take a waiting item out of the queue; its admit() returns False."""
        for entry in list(self.waiting):
            if entry[0] is item:
                self.waiting.remove(entry)
                entry[1].set_result(False)

    def release(self, item: T) -> None:
        """Free the item's slot (if it had one) and admit waiting items in order."""
        self.running.discard(item)
        while self.waiting and len(self.running) < self.max_running:
            waiting, future = self.waiting.popleft()
            if future.done():
                continue
            self.running.add(waiting)
            future.set_result(True)

    def _has_free_slot(self) -> bool:
        return len(self.running) < self.max_running and not self.waiting
