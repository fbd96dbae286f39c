"""The sandbox object: state, limits, faults, journal, webhook delivery and persistence."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.config import SandboxConfig
from bot.sandbox.faults import FaultBook
from bot.sandbox.journal import Journal
from bot.sandbox.limits import FloodControl
from bot.sandbox.persistence import JsonStore
from bot.sandbox.profile import BotProfile
from bot.sandbox.state import SandboxState
from bot.sandbox.webhook import WebhookDelivery, WebhookSettings

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.25


def _first_update_id(config: SandboxConfig) -> int:
    """Pick the first update_id: configured, or time-based so ids grow across restarts."""
    if config.first_update_id is not None:
        return config.first_update_id
    return (int(time.time()) % 100_000_000) * 10 + 1


def _flush_at_exit(ref: weakref.ref[Sandbox]) -> None:
    """Write pending changes when the process exits (a mounted app gets no lifespan events)."""
    sandbox = ref()
    if sandbox is not None:
        sandbox.flush()


class Sandbox:
    """Everything one sandbox instance holds; background tasks run on the serving loop."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(_first_update_id(config))
        self.flood = FloodControl(config)
        self.faults = FaultBook()
        self.journal = Journal(config.max_logged_calls)
        self.profile = BotProfile()
        self.webhook = WebhookSettings()
        self.poll_generation = 0
        self.execute_reply: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self.store = JsonStore(config.persist_path) if config.persist_path else None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        if self.store and (saved := self.store.load()):
            self.state.restore(saved)
        if self.store:
            atexit.register(_flush_at_exit, weakref.ref(self))

    def ensure_started(self) -> None:
        """Start webhook delivery and the persistence flusher on the running loop (idempotent)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._tasks:
            return
        self._loop = loop
        delivery = WebhookDelivery(self.config, self.state, lambda: self.webhook, self._reply)
        self._tasks = [asyncio.create_task(delivery.run())]
        if self.store:
            self._tasks.append(asyncio.create_task(self._flush_loop()))

    async def stop(self) -> None:
        """Cancel background tasks and write the state file one last time."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.flush()

    async def _reply(self, call: dict[str, Any]) -> None:
        if self.execute_reply is not None:
            await self.execute_reply(call)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self.flush()

    def flush(self) -> None:
        """Write chats and messages to the state file if they changed."""
        if self.store is None or not self.state.dirty:
            return
        self.state.dirty = False
        try:
            self.store.save(self.state.snapshot())
        except OSError:
            log.exception("sandbox: cannot write %s", self.store.path)

    def reset(self) -> None:
        """Forget chats, updates, calls, faults, limits, commands and the webhook."""
        self.state.reset()
        self.flood.reset()
        self.faults.clear()
        self.journal.reset()
        self.profile.reset()
        self.webhook = WebhookSettings()
