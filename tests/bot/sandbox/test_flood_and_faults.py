"""Flood limits answered with Telegram's 429, and injected faults as PTB sees them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import httpx
import pytest
from telegram import Bot
from telegram.error import ChatMigrated, Forbidden, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from tests.fixtures.sandbox import TEST_TOKEN, SandboxHandle

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]


def seconds(value: int | dt.timedelta) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def send(handle: SandboxHandle, method: str = "sendMessage", **params: object) -> httpx.Response:
    return httpx.post(handle.method_url(method), data={k: str(v) for k, v in params.items()})


def stats(handle: SandboxHandle) -> dict[str, object]:
    result: dict[str, object] = httpx.get(f"{handle.url}/api/stats").json()
    return result


async def test_per_chat_limit_answers_429_with_header_and_parameters(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(42, "hi")
    for n in range(3):  # the default burst
        await bot.send_message(42, f"ok {n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "too fast")
    assert seconds(caught.value.retry_after) == 1
    response = send(sandbox_server, chat_id=42, text="still too fast")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert stats(sandbox_server)["too_many_requests"] == {"sendMessage": 2}
    sandbox_server.inject(43, "hi")
    assert send(sandbox_server, chat_id=43, text="another chat").status_code == 200


async def test_edits_count_towards_the_chat_limit(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sent = await bot.send_message(42, "v0")
    await bot.edit_message_text("v1", chat_id=42, message_id=sent.message_id)
    await bot.edit_message_text("v2", chat_id=42, message_id=sent.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("v3", chat_id=42, message_id=sent.message_id)
    assert stats(sandbox_server)["too_many_requests"] == {"editMessageText": 1}


def test_group_limit_per_minute(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    handle = sandbox_factory(per_group_per_minute=3, per_chat_burst=10)
    handle.inject(-100, "hi", chat_type="group")
    assert [send(handle, chat_id=-100, text="x").status_code for _ in range(3)] == [200] * 3
    refused = send(handle, chat_id=-100, text="x")
    assert refused.status_code == 429
    assert refused.json()["parameters"]["retry_after"] == 20, "3 per minute: one per 20 s"
    assert refused.headers["Retry-After"] == "20"


def test_overall_limit_spans_chats(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    handle = sandbox_factory(overall_per_second=2)
    for chat in (1, 2, 3):
        handle.inject(chat, "hi")
    codes = [send(handle, chat_id=chat, text="x").status_code for chat in (1, 2, 3)]
    assert codes == [200, 200, 429]


async def test_drafts_have_their_own_budget(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    for n in range(3):
        await bot.send_message(42, f"ok {n}")
    for n in range(10):  # chat budget spent, drafts still go through (burst 10)
        assert await bot.send_message_draft(42, 1, f"draft {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message_draft(42, 1, "draft 10")
    assert await bot.send_chat_action(42, "typing"), "chat actions only count overall"


def test_limits_can_be_switched_off(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    handle = sandbox_factory(flood_limits_enabled=False)
    handle.inject(42, "hi")
    assert {send(handle, chat_id=42, text="x").status_code for _ in range(10)} == {200}


async def test_fault_forbidden(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.add_fault(method="sendMessage", chat_id=42, error_code=403)
    with pytest.raises(Forbidden) as caught:
        await bot.send_message(42, "x")
    assert caught.value.message == "Forbidden: bot was blocked by the user"
    assert (await bot.send_message(42, "x")).text == "x", "times defaults to 1"


async def test_fault_retry_after_with_header(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.add_fault(method="sendmessage", error_code=429, retry_after=7, times=2)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "x")
    assert seconds(caught.value.retry_after) == 7
    response = send(sandbox_server, chat_id=42, text="x")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
    assert response.json()["description"] == "Too Many Requests: retry after 7"
    assert send(sandbox_server, chat_id=42, text="x").status_code == 200
    assert stats(sandbox_server)["too_many_requests"] == {"sendMessage": 2}


async def test_fault_chat_migrated(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(-5, "hi", chat_type="group")
    sandbox_server.add_fault(method="sendMessage", chat_id=-5, error_code=400,
                             migrate_to_chat_id=-1001234567890)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "x")
    assert caught.value.new_chat_id == -1001234567890


async def test_fault_only_hits_its_chat_and_method(
    bot: Bot, sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.inject(43, "hi")
    sandbox_server.add_fault(method="sendMessage", chat_id=43, error_code=403, times=None)
    assert await bot.send_message(42, "fine")
    assert await bot.send_chat_action(43, "typing")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(43, "blocked for ever")
    assert len((await client.get("/api/faults")).json()["faults"]) == 1
    (await client.delete("/api/faults")).raise_for_status()
    assert await bot.send_message(43, "unblocked")


async def test_fault_slow_answer_times_out(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.add_fault(method="sendMessage", delay=0.5)
    request = HTTPXRequest(read_timeout=0.1)
    async with Bot(TEST_TOKEN, base_url=sandbox_server.bot_base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "x")
        started = time.monotonic()
        assert await bot.send_message(42, "y")
        assert time.monotonic() - started < 0.5, "the delay was used once"


async def test_ext_bot_rate_limiter_absorbs_one_429(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.add_fault(method="sendMessage", error_code=429, retry_after=1)
    limiter = AIORateLimiter(max_retries=1)
    async with ExtBot(TEST_TOKEN, base_url=sandbox_server.bot_base_url,
                      rate_limiter=limiter) as bot:
        started = time.monotonic()
        assert (await bot.send_message(42, "x")).text == "x"
        assert time.monotonic() - started >= 1.0
    assert [c["status"] for c in sandbox_server.calls("sendMessage")] == [429, 200]


@pytest.mark.parametrize(
    "spec",
    [
        {"error_code": 403},
        {"method": "sendMessage"},
        {"method": "sendMessage", "error_code": 200},
        {"method": "sendMessage", "error_code": "403"},
        {"method": "sendMessage", "error_code": 403, "times": 0},
        {"method": "sendMessage", "delay": -1},
        [],
    ],
)
def test_bad_fault_specs_get_a_400_with_a_reason(
    sandbox_server: SandboxHandle, spec: object
) -> None:
    response = httpx.post(f"{sandbox_server.url}/api/faults", json=spec)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
