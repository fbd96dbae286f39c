"""Simulated people: each writes in its sandbox chat and waits for the answer before the next turn.

What a person sees comes from the sandbox's call feed (bench.sandbox_server): the first
draft, edit or message in the chat after a send, and the final sendMessage.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.workload import UserPlan

VISIBLE = frozenset({"sendMessageDraft", "sendMessage", "editMessageText"})
FINAL = "sendMessage"
POLL_WAIT = 5.0


@dataclass
class Turn:
    """One inbound message of a user and what the user saw of its answer (unix times)."""

    chat_id: int
    index: int
    language: str
    sent_at: float = 0.0
    update_id: int | None = None
    first_visible_at: float | None = None
    final_at: float | None = None
    error: str | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def as_json(self) -> dict[str, Any]:
        """The turn without its event, for the results file."""
        return {
            "chat_id": self.chat_id, "turn": self.index, "language": self.language,
            "sent_at": self.sent_at, "update_id": self.update_id,
            "first_visible_at": self.first_visible_at, "final_at": self.final_at,
            "error": self.error,
        }


class CallFeed:
    """Follows the sandbox's call events and hands each chat's to the turn awaiting them."""

    def __init__(self, client: httpx.AsyncClient, sandbox_url: str) -> None:
        """Read the feed of the sandbox at `sandbox_url`."""
        self.client = client
        self.url = f"{sandbox_url}/_bench/events"
        self.position = 0
        self.current: dict[int, Turn] = {}
        self.finals: dict[int, int] = {}

    async def skip_existing(self) -> None:
        """Start after the calls already logged (start-up, warm-up)."""
        data = (await self.client.get(self.url, params={"after": 0})).json()
        self.position = int(data["next"])

    async def follow(self) -> None:
        """Long-poll the feed until cancelled."""
        while True:
            try:
                response = await self.client.get(
                    self.url, params={"after": self.position, "wait": POLL_WAIT},
                    timeout=POLL_WAIT + 10,
                )
                data = response.json()
            except (httpx.HTTPError, ValueError):
                await asyncio.sleep(0.2)
                continue
            for method, chat_id, status, at in data["events"]:
                self._dispatch(method, chat_id, status, at)
            self.position = int(data["next"])

    def _dispatch(self, method: str, chat_id: int, status: int, at: float) -> None:
        if status != 200 or method not in VISIBLE:
            return
        if method == FINAL:
            self.finals[chat_id] = self.finals.get(chat_id, 0) + 1
        turn = self.current.get(chat_id)
        if turn is None or turn.final_at is not None or at < turn.sent_at:
            return
        if turn.first_visible_at is None:
            turn.first_visible_at = at
        if method == FINAL:
            turn.final_at = at
            turn.answered.set()


@dataclass
class Driver:
    """Runs the users of a plan against the sandbox and collects their turns."""

    sandbox_url: str
    turn_timeout: float
    on_turn_done: Callable[[Turn], None] = lambda _turn: None
    turns: list[Turn] = field(default_factory=list)

    async def run(self, plans: list[UserPlan]) -> list[Turn]:
        """Play every user; return all turns when each has been answered or timed out."""
        limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            feed = CallFeed(client, self.sandbox_url)
            await feed.skip_existing()
            follower = asyncio.create_task(feed.follow())
            try:
                started = time.monotonic()
                await asyncio.gather(*(self._user(client, feed, p, started) for p in plans))
            finally:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
        return self.turns

    async def _user(self, client: httpx.AsyncClient, feed: CallFeed, plan: UserPlan,
                    started: float) -> None:
        await asyncio.sleep(max(0.0, started + plan.start - time.monotonic()))
        for index, (text, pause) in enumerate(zip(plan.texts, plan.pauses, strict=True)):
            turn = Turn(plan.chat_id, index, plan.language)
            self.turns.append(turn)
            feed.current[plan.chat_id] = turn
            answered = await self._turn(client, turn, text)
            self.on_turn_done(turn)
            if not answered:
                return
            if index + 1 < len(plan.texts):
                await asyncio.sleep(pause)

    async def _turn(self, client: httpx.AsyncClient, turn: Turn, text: str) -> bool:
        body = {"text": text, "language_code": turn.language}
        turn.sent_at = time.time()
        try:
            response = await client.post(
                f"{self.sandbox_url}/api/chats/{turn.chat_id}/messages", json=body
            )
            response.raise_for_status()
            turn.update_id = int(response.json()["update_id"])
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            turn.error = f"send failed: {type(exc).__name__}"
            return False
        try:
            await asyncio.wait_for(turn.answered.wait(), self.turn_timeout)
        except TimeoutError:
            turn.error = f"no answer within {self.turn_timeout:.0f} s"
            return False
        return True
