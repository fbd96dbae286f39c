"""What a worker process holds: one event loop for every stream, the clients, the database.

Celery runs tasks on a threads pool; each task thread blocks on a coroutine scheduled on this
single loop, so hundreds of model streams share one loop, one HTTP pool and one Bot.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from bot.delivery.ratelimit import SAFE_LIMITS, RateLimiter
from bot.delivery.sender import TelegramSender
from bot.telegram import make_bot
from core.settings import Settings
from core.storage.db import Database
from inference.backpressure import AdaptiveGate
from inference.client import InferenceClient
from workers.chat_lock import LockKeeper

T = TypeVar("T")


class Runtime:
    """The per-process services the reply pipeline uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.effective_database_url, pool_size=20)
        self.redis = Redis.from_url(settings.effective_redis_url, socket_timeout=10)
        self.keeper = LockKeeper(settings.chat_lock_ttl_seconds)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="streams", daemon=True)
        self._thread.start()
        self.inference: InferenceClient = self.run(self._make_inference())
        self.aredis: AsyncRedis = AsyncRedis.from_url(
            settings.effective_redis_url, socket_timeout=10
        )
        bot = make_bot(settings.bot_token, settings.effective_telegram_api_url)
        self.limiter = RateLimiter.from_url(
            settings.effective_redis_url, SAFE_LIMITS, max_connections=256
        )
        self.sender = TelegramSender(bot, limiter=self.limiter)
        self._context_length: int | None = None
        self._bot_ready: asyncio.Lock | None = None

    async def bot_ready(self) -> None:
        """Initialise the Bot once (it calls getMe), retried on the next job if it fails."""
        if self._bot_ready is None:
            self._bot_ready = asyncio.Lock()
        async with self._bot_ready:
            await self.sender.bot.initialize()  # returns at once when already done

    async def _make_inference(self) -> InferenceClient:
        s = self.settings
        return InferenceClient(
            s.effective_inference_url,
            api_key=s.inference_api_key.get_secret_value() if s.inference_api_key else None,
            model=s.inference_model,
            connect_timeout=s.inference_connect_timeout,
            read_timeout=s.inference_read_timeout,
            max_retries=s.inference_max_retries,
            default_context_length=s.inference_context_length,
            gate=AdaptiveGate(s.worker_concurrency),
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the streams loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def context_length(self) -> int:
        """The model server's context window, asked once."""
        if self._context_length is None:
            self._context_length = self.run(self.inference.context_length())
        return self._context_length

    def close(self) -> None:
        """Release connections and stop the loop."""
        self.keeper.stop()
        self.run(self.inference.aclose())
        self.run(self.aredis.aclose())
        self.run(self.limiter.aclose())
        self.run(self.sender.bot.shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.db.dispose()
        self.redis.close()


_runtime: Runtime | None = None
_runtime_guard = threading.Lock()


def get_runtime(settings: Settings) -> Runtime:
    """The process's runtime, created on first use (after any fork)."""
    global _runtime
    with _runtime_guard:
        if _runtime is None:
            _runtime = Runtime(settings)
        return _runtime
