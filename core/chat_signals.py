"""Out-of-band signals for a chat, kept in Redis: "stop the answer being generated".

The intake raises the flag the moment /stop arrives; the streaming answer checks it between
chunks. The /stop message itself is answered later, in the chat's order.
"""

from __future__ import annotations

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

STOP_TTL_SECONDS = 120


def _stop_key(chat_id: int) -> str:
    return f"parley:stop:{chat_id}"


def _stopped_key(chat_id: int) -> str:
    return f"parley:stopped:{chat_id}"


class ChatSignals:
    """Raises the stop flag of a chat (used by the intake)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def request_stop(self, chat_id: int) -> None:
        """Ask the chat's current answer to stop."""
        self._redis.set(_stop_key(chat_id), "1", ex=STOP_TTL_SECONDS)

    def settle_stop(self, chat_id: int) -> bool:
        """Clear the chat's stop flag; True if an answer was stopped by it."""
        pipe = self._redis.pipeline()
        pipe.delete(_stop_key(chat_id))
        pipe.getdel(_stopped_key(chat_id))
        _deleted, stopped = pipe.execute()
        return stopped is not None


async def consume_stop(redis: AsyncRedis, chat_id: int) -> bool:
    """True (once) when the chat asked to stop; marks that an answer was stopped."""
    if not await redis.delete(_stop_key(chat_id)):
        return False
    await redis.set(_stopped_key(chat_id), "1", ex=STOP_TTL_SECONDS)
    return True
