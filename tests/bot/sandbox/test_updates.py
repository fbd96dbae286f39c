"""Updates from injected user messages, and getUpdates with long polling and its conflicts."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import Bot
from telegram.error import Conflict

from tests.fixtures.sandbox import SandboxHandle

pytestmark = pytest.mark.anyio

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


async def test_user_message_becomes_a_telegram_update(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    created = sandbox_server.inject(
        77, "/start@parley_sandbox_bot hi @someone_else", language_code="de",
        first_name="Anna", username="anna",
    )
    [update] = await bot.get_updates()
    assert update.update_id == created["update_id"]
    message = update.message
    assert message is not None and message.message_id == created["message_id"]
    assert (message.chat.id, message.chat.type, message.chat.first_name) == (77, "private", "Anna")
    user = message.from_user
    assert user is not None and not user.is_bot
    assert (user.id, user.first_name, user.username, user.language_code) == (
        77, "Anna", "anna", "de"
    )
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bot_command", 0, 25), ("mention", 29, 13)
    ]
    assert message.text == "/start@parley_sandbox_bot hi @someone_else"
    assert abs(message.date.timestamp() - time.time()) < 5


async def test_group_message_carries_title_and_thread(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(-1001234567890, "hello", user_id=5, title="Team",
                          message_thread_id=3)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None
    assert (message.chat.type, message.chat.title) == ("supergroup", "Team")
    assert message.message_thread_id == 3
    assert message.from_user is not None and message.from_user.id == 5


async def test_update_ids_increase_and_offset_confirms(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    first = sandbox_server.inject(1, "a")["update_id"]
    second = sandbox_server.inject(2, "b")["update_id"]
    assert second == first + 1
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert await bot.get_updates() == (), "confirmed updates are gone"
    assert len(await bot.get_updates(limit=1)) == 0


async def test_long_poll_returns_as_soon_as_a_message_arrives(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    started = time.monotonic()
    await asyncio.to_thread(sandbox_server.inject, 9, "ping")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["ping"]
    assert time.monotonic() - started < 1.0


async def test_long_poll_times_out_empty(sandbox_server: SandboxHandle) -> None:
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        response = await http.post(sandbox_server.method_url("getUpdates"), data={"timeout": "0.3"})
    assert response.json() == {"ok": True, "result": []}
    assert 0.3 <= time.monotonic() - started < 2


async def test_get_updates_conflicts_with_a_webhook(bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict) as caught:
        await bot.get_updates()
    assert caught.value.message == WEBHOOK_ACTIVE
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_a_second_poll_terminates_the_first(sandbox_server: SandboxHandle) -> None:
    url = sandbox_server.method_url("getUpdates")
    async with httpx.AsyncClient(timeout=10) as http:
        first = asyncio.create_task(http.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.2)
        second = await http.post(url, data={"timeout": "0"})
        terminated = await asyncio.wait_for(first, 3)
    assert second.status_code == 200
    assert terminated.status_code == 409
    assert terminated.json()["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
        "is running"
    )


async def test_set_webhook_terminates_a_poll(bot: Bot, sandbox_server: SandboxHandle) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        poll = asyncio.create_task(
            http.post(sandbox_server.method_url("getUpdates"), data={"timeout": "5"})
        )
        await asyncio.sleep(0.2)
        await bot.set_webhook("http://127.0.0.1:9/hook")
        response = await asyncio.wait_for(poll, 3)
    assert response.json()["description"] == "Conflict: terminated by setWebhook request"


async def test_allowed_updates_filter_new_updates(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    assert sandbox_server.inject(1, "ignored")["update_id"] is None
    assert await bot.get_updates(allowed_updates=[]) == ()
    assert sandbox_server.inject(1, "counted")["update_id"] is not None
    assert [u.message.text for u in await bot.get_updates() if u.message] == ["counted"]
