"""Delivery against the sandbox over real HTTP: drafts, edits, splitting, Telegram's failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.delivery.sender import ChatMovedError, TelegramSender, UserBlockedError
from bot.delivery.stream import StreamPresenter
from bot.sandbox import SandboxConfig
from bot.telegram import make_bot
from tests.fixtures.sandbox import TEST_TOKEN, running_sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox(SandboxConfig(token=TEST_TOKEN)) as url:
        yield url


@pytest.fixture
async def sender(sandbox: str) -> AsyncIterator[TelegramSender]:
    httpx.post(f"{sandbox}/api/reset")
    bot = make_bot(TEST_TOKEN, sandbox)
    await bot.initialize()
    yield TelegramSender(bot, max_attempts=3)
    await bot.shutdown()


def open_chat(sandbox: str, chat_id: int, chat_type: str = "private") -> None:
    user_id = chat_id if chat_type == "private" else 5
    body = {"text": "hi", "user_id": user_id, "chat_type": chat_type}
    httpx.post(f"{sandbox}/api/chats/{chat_id}/messages", json=body).raise_for_status()


def calls(sandbox: str, method: str) -> list[dict[str, Any]]:
    data = httpx.get(f"{sandbox}/api/calls").json()["calls"]
    return [c for c in data if c["method"].lower() == method.lower()]


def bot_texts(sandbox: str, chat_id: int) -> list[str]:
    data = httpx.get(f"{sandbox}/api/chats/{chat_id}/messages").json()["messages"]
    return [m["text"] for m in data if m["from"] == "bot"]


def fault(sandbox: str, **spec: Any) -> None:
    httpx.post(f"{sandbox}/api/faults", json=spec).raise_for_status()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_private_chat_streams_drafts_then_one_final_html_message(
    sandbox: str, sender: TelegramSender
) -> None:
    open_chat(sandbox, 101)
    clock = FakeClock()
    presenter = StreamPresenter(sender, 101, "private", 0, draft_id=77, clock=clock)
    answer = ""
    for word in ["**Hello**", " there,", " how", " are", " you?"]:
        answer += word
        clock.now += 0.5
        await presenter.update(answer)
    ids = await presenter.finish(answer)
    drafts = calls(sandbox, "sendMessageDraft")
    assert len(drafts) == 5 and {str(d["params"]["draft_id"]) for d in drafts} == {"77"}
    assert len(ids) == 1
    sent = calls(sandbox, "sendMessage")[-1]["params"]
    assert sent["text"] == "<b>Hello</b> there, how are you?" and sent["parse_mode"] == "HTML"


async def test_group_preview_edits_are_throttled_and_the_final_edit_is_sent(
    sandbox: str, sender: TelegramSender
) -> None:
    open_chat(sandbox, -2001, "group")
    clock = FakeClock()
    presenter = StreamPresenter(sender, -2001, "group", 0, draft_id=1, clock=clock)
    answer = ""
    for i in range(30):
        answer += f" word{i}"
        clock.now += 0.1  # ten frames a second arrive; at most one a second is shown
        await presenter.update(answer)
    ids = await presenter.finish(answer)
    assert ids == [presenter.preview_message_id]
    assert len(calls(sandbox, "sendMessage")) == 1
    assert 1 <= len(calls(sandbox, "editMessageText")) <= 4
    assert bot_texts(sandbox, -2001) == [answer.strip()]
    assert calls(sandbox, "sendMessageDraft") == []


async def test_long_answer_is_split_without_losing_text(
    sandbox: str, sender: TelegramSender
) -> None:
    open_chat(sandbox, 102)
    paragraphs = [f"Paragraph {i}: " + "lorem ipsum dolor sit amet " * 40 for i in range(12)]
    answer = "\n\n".join(paragraphs)
    presenter = StreamPresenter(sender, 102, "private", 0, draft_id=5)
    ids = await presenter.finish(answer)
    texts = bot_texts(sandbox, 102)
    assert len(ids) == len(texts) >= 3
    assert all(len(t) <= 4096 for t in texts)
    assert " ".join(" ".join(texts).split()) == " ".join(answer.split())


async def test_parse_error_falls_back_to_plain_text(sandbox: str, sender: TelegramSender) -> None:
    open_chat(sandbox, 103)
    fault(
        sandbox,
        method="sendMessage",
        chat_id=103,
        error_code=400,
        description="Bad Request: can't parse entities: Unsupported start tag at byte offset 0",
        times=1,
    )
    ids = await StreamPresenter(sender, 103, "private", 0, draft_id=5).finish("*bold* & <tag>")
    assert len(ids) == 1
    assert bot_texts(sandbox, 103) == ["bold & <tag>"]
    assert "parse_mode" not in calls(sandbox, "sendMessage")[-1]["params"]


async def test_429_waits_for_retry_after_and_delivers(sandbox: str, sender: TelegramSender) -> None:
    open_chat(sandbox, 104)
    fault(sandbox, method="sendMessage", chat_id=104, error_code=429, retry_after=1, times=1)
    started = time.monotonic()
    await sender.send_text(104, "after the flood")
    assert time.monotonic() - started >= 1.0
    assert sender.retry_after_seen == 1
    assert bot_texts(sandbox, 104) == ["after the flood"]


async def test_403_and_migration_are_reported(sandbox: str, sender: TelegramSender) -> None:
    open_chat(sandbox, 105)
    fault(sandbox, method="sendMessage", chat_id=105, error_code=403, times=1)
    with pytest.raises(UserBlockedError):
        await sender.send_text(105, "hello?")
    open_chat(sandbox, -3001, "group")
    fault(sandbox, method="sendMessage", chat_id=-3001, error_code=400, migrate_to_chat_id=-1003001)
    with pytest.raises(ChatMovedError) as moved:
        await sender.send_text(-3001, "hello group")
    assert moved.value.new_chat_id == -1003001


async def test_typing_is_best_effort(sandbox: str, sender: TelegramSender) -> None:
    open_chat(sandbox, 106)
    fault(sandbox, method="sendChatAction", error_code=429, retry_after=5, times=1)
    await asyncio.wait_for(sender.typing(106), 2)
    await sender.typing(106)
    assert len(calls(sandbox, "sendChatAction")) == 2


async def test_shared_limiter_keeps_a_burst_free_of_429s(sandbox: str, redis_url: str) -> None:
    from bot.delivery.ratelimit import SAFE_LIMITS, RateLimiter

    httpx.post(f"{sandbox}/api/reset")
    open_chat(sandbox, 107)
    limiter = RateLimiter.from_url(redis_url, SAFE_LIMITS, prefix="parley:test-rl:")
    bot = make_bot(TEST_TOKEN, sandbox)
    await bot.initialize()
    sender = TelegramSender(bot, limiter=limiter)
    try:
        await asyncio.gather(*(sender.send_text(107, f"part {i}") for i in range(5)))
    finally:
        await bot.shutdown()
        await limiter.aclose()
    assert sender.retry_after_seen == 0
    assert [c["status"] for c in calls(sandbox, "sendMessage")] == [200] * 5
    assert sorted(bot_texts(sandbox, 107)) == [f"part {i}" for i in range(5)]
