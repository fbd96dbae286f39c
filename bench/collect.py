"""What happened, read back after a run: the database, the simulator and the sandbox chats."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from core.storage.db import Database
from core.storage.models import Message, Role, Status

OPEN = (Status.PENDING.value, Status.PROCESSING.value)
RETRY_SUFFIX = re.compile(r"-r\d+$")


@dataclass(frozen=True)
class Inbound:
    """An inbound message as stored."""

    id: int
    chat_id: int
    update_id: int | None
    status: str
    attempts: int


@dataclass(frozen=True)
class Reply:
    """A stored reply and its measurements."""

    reply_to_id: int
    text: str
    status: str
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None
    ttft_ms: int | None
    latency_ms: int | None


@dataclass(frozen=True)
class Stored:
    """The run's rows: inbound messages by update_id and replies by inbound id."""

    inbound: dict[int, Inbound]
    replies: dict[int, Reply]


def read_database(database_url: str, chat_ids: range) -> Stored:
    """Load the inbound messages and replies of the benchmark's chats."""
    db = Database(database_url)
    try:
        with db.session() as session:
            rows = session.scalars(
                select(Message).where(
                    Message.chat_id >= chat_ids.start, Message.chat_id < chat_ids.stop
                )
            ).all()
            return _stored(list(rows))
    finally:
        db.dispose()


def _stored(rows: list[Message]) -> Stored:
    inbound: dict[int, Inbound] = {}
    replies: dict[int, Reply] = {}
    for m in rows:
        if m.role == Role.USER.value and m.update_id is not None:
            inbound[m.update_id] = Inbound(m.id, m.chat_id, m.update_id, m.status, m.attempts)
        elif m.role == Role.ASSISTANT.value and m.reply_to_id is not None:
            replies[m.reply_to_id] = Reply(
                m.reply_to_id, m.text, m.status, m.prompt_tokens, m.completion_tokens,
                m.cached_tokens, m.ttft_ms, m.latency_ms,
            )
    return Stored(inbound, replies)


def open_messages(database_url: str, chat_ids: range) -> int:
    """How many inbound messages of the benchmark's chats still await an answer."""
    stored = read_database(database_url, chat_ids)
    return sum(1 for m in stored.inbound.values() if m.status in OPEN)


def wait_settled(database_url: str, chat_ids: range, grace: float) -> int:
    """Wait up to `grace` seconds for every open message to finish; return how many remain."""
    deadline = time.monotonic() + grace
    remaining = open_messages(database_url, chat_ids)
    while remaining and time.monotonic() < deadline:
        time.sleep(1.0)
        remaining = open_messages(database_url, chat_ids)
    return remaining


def model_timings(sim_url: str | None) -> tuple[dict[str, list[Any]], int | None]:
    """The simulator's per-request timings keyed by request id (retries folded), and its peak."""
    if sim_url is None:
        return {}, None
    data = httpx.get(f"{sim_url}/_bench/timings", timeout=30).json()
    timings: dict[str, list[Any]] = {}
    for rid, timing in data["timings"].items():
        timings[RETRY_SUFFIX.sub("", rid)] = timing
    return timings, int(data["peak_running"])


def sandbox_429s(sandbox_url: str) -> int:
    """Total 429 answers the sandbox has served."""
    stats = httpx.get(f"{sandbox_url}/api/stats", timeout=30).json()
    return int(stats["too_many_requests_total"])


def bot_messages_per_turn(sandbox_url: str, chat_ids: list[int]) -> dict[int, list[int]]:
    """For each chat, how many bot messages follow each user message."""
    return asyncio.run(_all_chats(sandbox_url, chat_ids))


async def _all_chats(sandbox_url: str, chat_ids: list[int]) -> dict[int, list[int]]:
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        sem = asyncio.Semaphore(32)

        async def one(chat_id: int) -> tuple[int, list[int]]:
            async with sem:
                response = await client.get(f"{sandbox_url}/api/chats/{chat_id}/messages")
            if response.status_code == 404:
                return chat_id, []
            return chat_id, _counts(response.json()["messages"])

        return dict(await asyncio.gather(*(one(c) for c in chat_ids)))


def _counts(messages: list[dict[str, Any]]) -> list[int]:
    counts: list[int] = []
    for message in messages:
        if message["from"] == "user":
            counts.append(0)
        elif counts:
            counts[-1] += 1
    return counts
