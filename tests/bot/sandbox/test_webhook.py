"""Webhook delivery to a tiny real HTTP receiver: secret, retries, ordering, parallelism."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fixtures.sandbox import SandboxHandle, serve_app

SECRET = "s3cret_-Token"


@dataclass
class Delivery:
    """One POST the receiver got."""

    at: float
    secret: str | None
    update: dict[str, Any]

    @property
    def chat_id(self) -> int:
        return int(self.update["message"]["chat"]["id"])

    @property
    def text(self) -> str:
        return str(self.update["message"]["text"])


@dataclass
class Receiver:
    """A webhook endpoint whose answers the test scripts: statuses per chat, delay, reply."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    statuses: dict[int, list[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    delay: float = 0.0
    reply: dict[str, Any] | None = None
    in_flight: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight_per_chat: int = 0
    max_in_flight: int = 0

    async def endpoint(self, request: Request) -> Response:
        update = await request.json()
        delivery = Delivery(time.monotonic(), request.headers.get(
            "X-Telegram-Bot-Api-Secret-Token"), update)
        self.deliveries.append(delivery)
        chat = delivery.chat_id
        self.in_flight[chat] += 1
        self.max_in_flight_per_chat = max(self.max_in_flight_per_chat, self.in_flight[chat])
        self.max_in_flight = max(self.max_in_flight, sum(self.in_flight.values()))
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight[chat] -= 1
        plan = self.statuses[chat]
        status, headers = plan.pop(0) if plan else (200, {})
        return JSONResponse(self.reply if status == 200 else {}, status, headers)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    app = Starlette(routes=[Route("/hook", hook.endpoint, methods=["POST"])])
    with serve_app(app) as url:
        hook.url = f"{url}/hook"
        yield hook


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def bot_call(handle: SandboxHandle, method: str, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = httpx.post(handle.method_url(method), json=params).json()
    return result


def set_hook(handle: SandboxHandle, receiver: Receiver, **params: Any) -> dict[str, Any]:
    return bot_call(handle, "setWebhook", url=receiver.url, **params)


def webhook_info(handle: SandboxHandle) -> dict[str, Any]:
    result: dict[str, Any] = bot_call(handle, "getWebhookInfo")["result"]
    return result


def test_updates_are_posted_with_the_secret_header(
    sandbox_server: SandboxHandle, receiver: Receiver
) -> None:
    answer = set_hook(sandbox_server, receiver, secret_token=SECRET, max_connections=10)
    assert answer == {"ok": True, "result": True, "description": "Webhook was set"}
    created = sandbox_server.inject(42, "hello")
    [delivery] = wait_until(lambda: receiver.deliveries)
    assert delivery.secret == SECRET
    assert delivery.update["update_id"] == created["update_id"]
    assert delivery.text == "hello"
    wait_until(lambda: webhook_info(sandbox_server)["pending_update_count"] == 0)
    info = webhook_info(sandbox_server)
    assert (info["url"], info["max_connections"]) == (receiver.url, 10)
    assert "last_error_date" not in info


def test_no_secret_header_without_a_secret(
    sandbox_server: SandboxHandle, receiver: Receiver
) -> None:
    set_hook(sandbox_server, receiver)
    sandbox_server.inject(42, "hello")
    [delivery] = wait_until(lambda: receiver.deliveries)
    assert delivery.secret is None


def test_a_500_is_retried_at_once_and_recorded(
    sandbox_server: SandboxHandle, receiver: Receiver
) -> None:
    receiver.statuses[42] = [(500, {})]
    set_hook(sandbox_server, receiver)
    sandbox_server.inject(42, "hello")
    first, second = wait_until(lambda: receiver.deliveries[:2] if len(
        receiver.deliveries) >= 2 else None)
    assert first.update == second.update
    assert second.at - first.at < 0.5, "the first retry is immediate"
    info = webhook_info(sandbox_server)
    assert info["last_error_message"] == (
        "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert abs(info["last_error_date"] - time.time()) < 5
    wait_until(lambda: webhook_info(sandbox_server)["pending_update_count"] == 0)


def test_backoff_then_retry_after_header(
    sandbox_factory: Callable[..., SandboxHandle], receiver: Receiver
) -> None:
    handle = sandbox_factory(webhook_retry_base=0.3)
    receiver.statuses[42] = [(500, {}), (502, {}), (503, {"Retry-After": "1"})]
    set_hook(handle, receiver)
    handle.inject(42, "hello")
    wait_until(lambda: len(receiver.deliveries) == 4, timeout=5)
    gaps = [b.at - a.at for a, b in zip(receiver.deliveries, receiver.deliveries[1:], strict=False)]
    assert gaps[0] < 0.25, "immediate first retry"
    assert 0.25 <= gaps[1] < 0.9, "then the base delay"
    assert 0.95 <= gaps[2] < 2.0, "Retry-After overrides the backoff"


def test_one_update_in_flight_per_chat_in_order_and_chats_in_parallel(
    sandbox_server: SandboxHandle, receiver: Receiver
) -> None:
    receiver.delay = 0.15
    set_hook(sandbox_server, receiver)
    for n in range(3):
        for chat in (1, 2, 3):
            sandbox_server.inject(chat, f"{chat}-{n}")
    wait_until(lambda: len(receiver.deliveries) == 9)
    assert receiver.max_in_flight_per_chat == 1
    assert receiver.max_in_flight >= 2, "different chats are delivered in parallel"
    for chat in (1, 2, 3):
        mine = [d for d in receiver.deliveries if d.chat_id == chat]
        assert [d.text for d in mine] == [f"{chat}-{n}" for n in range(3)]
        ids = [d.update["update_id"] for d in mine]
        assert ids == sorted(ids)


def test_a_failing_chat_does_not_block_other_chats(
    sandbox_factory: Callable[..., SandboxHandle], receiver: Receiver
) -> None:
    handle = sandbox_factory(webhook_retry_base=0.2, webhook_retry_cap=0.2)
    receiver.statuses[1] = [(500, {})] * 3
    set_hook(handle, receiver)
    handle.inject(1, "stuck")
    handle.inject(1, "behind stuck")
    handle.inject(2, "free")
    wait_until(lambda: [d for d in receiver.deliveries if d.text == "behind stuck"])
    texts = [d.text for d in receiver.deliveries]
    assert texts.index("free") < texts.index("behind stuck")
    assert texts.count("stuck") == 4
    assert texts.index("behind stuck") > max(i for i, t in enumerate(texts) if t == "stuck")


def test_updates_are_dropped_after_the_last_attempt(
    sandbox_factory: Callable[..., SandboxHandle], receiver: Receiver
) -> None:
    handle = sandbox_factory(webhook_max_attempts=2)
    receiver.statuses[42] = [(500, {})] * 5
    set_hook(handle, receiver)
    handle.inject(42, "doomed")
    wait_until(lambda: len(receiver.deliveries) == 2)
    wait_until(lambda: webhook_info(handle)["pending_update_count"] == 0)
    time.sleep(0.2)
    assert len(receiver.deliveries) == 2


def test_undelivered_updates_wait_for_get_updates(sandbox_server: SandboxHandle) -> None:
    bot_call(sandbox_server, "setWebhook", url="http://127.0.0.1:9/closed")
    sandbox_server.inject(42, "kept")
    info = wait_until(lambda: (i := webhook_info(sandbox_server)).get("last_error_message") and i)
    assert info["last_error_message"] == "Connection refused"
    assert info["pending_update_count"] == 1
    assert bot_call(sandbox_server, "deleteWebhook") == {
        "ok": True, "result": True, "description": "Webhook was deleted"
    }
    updates = bot_call(sandbox_server, "getUpdates")["result"]
    assert [u["message"]["text"] for u in updates] == ["kept"]


def test_drop_pending_updates(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "old")
    bot_call(sandbox_server, "deleteWebhook", drop_pending_updates=True)
    assert bot_call(sandbox_server, "getUpdates")["result"] == []


def test_a_call_in_the_webhook_answer_is_executed(
    sandbox_server: SandboxHandle, receiver: Receiver
) -> None:
    receiver.reply = {"method": "sendChatAction", "chat_id": 42, "action": "typing"}
    set_hook(sandbox_server, receiver)
    sandbox_server.inject(42, "hello")
    [call] = wait_until(lambda: sandbox_server.calls("sendChatAction"))
    assert call["source"] == "webhook_reply" and call["status"] == 200
    assert sandbox_server.messages(42)["typing"] == "typing"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"secret_token": "x" * 257}, "Bad Request: secret token is too long"),
        ({"secret_token": "bad token!"},
         "Bad Request: secret token contains unallowed characters"),
        ({"url": "ftp://example.org/hook"},
         "Bad Request: bad webhook: invalid webhook URL specified"),
    ],
)
def test_set_webhook_validation(
    sandbox_server: SandboxHandle, params: dict[str, str], description: str
) -> None:
    response = httpx.post(sandbox_server.method_url("setWebhook"),
                          data={"url": "http://127.0.0.1:9/hook", **params})
    assert response.status_code == 400
    assert response.json()["description"] == description
    assert webhook_info(sandbox_server)["url"] == ""
