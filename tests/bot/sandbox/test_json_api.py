"""The JSON API, the chat page, mounting under a prefix, persistence and the standalone runner."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from telegram import Bot
from telegram.constants import ParseMode

from bot.sandbox import SandboxConfig, create_sandbox_app
from bot.sandbox.config import DEFAULT_TOKEN
from tests.fixtures.sandbox import TEST_TOKEN, SandboxHandle, running_sandbox, serve_app

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/chats/42/messages", "not json", 400),
        ("/api/chats/42/messages", [], 400),
        ("/api/chats/42/messages", {}, 400),
        ("/api/chats/42/messages", {"text": "  "}, 400),
        ("/api/chats/42/messages", {"text": "x" * 4097}, 400),
        ("/api/chats/42/messages", {"text": "x", "user_id": "42"}, 400),
        ("/api/chats/42/messages", {"text": "x", "user_id": 7}, 400),
        ("/api/chats/42/messages", {"text": "x", "chat_type": "channel"}, 400),
        ("/api/chats/42/messages", {"text": "x", "chat_type": "group"}, 400),
        ("/api/chats/-5/messages", {"text": "x", "chat_type": "private"}, 400),
        ("/api/chats/42/messages", {"text": "x", "reply_to_message_id": 99}, 400),
        ("/api/chats/42/messages", {"text": "x", "language_code": 5}, 400),
        ("/api/chats/abc/messages", {"text": "x"}, 400),
        ("/api/chats/0/messages", {"text": "x"}, 400),
        ("/api/chats/42/callback_queries", {"message_id": 1}, 404),
    ],
)
def test_bad_input_gets_a_short_json_reason(
    sandbox_server: SandboxHandle, path: str, body: Any, status: int
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(f"{sandbox_server.url}{path}", content=content,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == status
    reason = response.json()["error"]
    assert isinstance(reason, str) and 0 < len(reason) < 120 and "Traceback" not in reason


def test_chat_type_cannot_change(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(-7, "hi", chat_type="group")
    response = httpx.post(f"{sandbox_server.url}/api/chats/-7/messages",
                          json={"text": "x", "chat_type": "supergroup"})
    assert (response.status_code, response.json()) == (409, {"error": "chat -7 is a group chat"})


def test_chats_and_messages(sandbox_server: SandboxHandle) -> None:
    first = sandbox_server.inject(42, "one", first_name="Ann")
    second = sandbox_server.inject(42, "two", reply_to_message_id=first["message_id"])
    sandbox_server.inject(-9, "group hi", chat_type="group", title="Team", user_id=3)
    assert second["message"]["reply_to_message"]["text"] == "one"
    chats = httpx.get(f"{sandbox_server.url}/api/chats").json()["chats"]
    assert {(c["id"], c["type"], c["message_count"]) for c in chats} == {
        (42, "private", 2), (-9, "group", 1)
    }
    chat = sandbox_server.messages(42)
    assert chat["chat"]["first_name"] == "Ann"
    one, two = chat["messages"]
    assert (one["message_id"], one["from"], one["text"], one["edit_count"]) == (1, "user", "one", 0)
    assert two["reply_to_message_id"] == 1 and two["message_thread_id"] is None
    assert set(one) >= {"message_id", "from", "text", "parse_mode", "edit_count", "date",
                        "message_thread_id"}
    assert httpx.get(f"{sandbox_server.url}/api/chats/5/messages").status_code == 404


@pytest.mark.anyio
async def test_wait_returns_when_the_chat_changes(
    bot: Bot, sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    sandbox_server.inject(42, "hi")
    version = (await client.get("/api/chats/42/messages")).json()["version"]
    started = time.monotonic()
    idle = await client.get(f"/api/chats/42/messages?since={version}&wait=0.3")
    assert idle.json()["version"] == version and time.monotonic() - started >= 0.3
    waiting = asyncio.create_task(client.get(f"/api/chats/42/messages?since={version}&wait=10"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    started = time.monotonic()
    await bot.send_message_draft(42, 3, "streaming")
    changed = (await asyncio.wait_for(waiting, 5)).json()
    assert time.monotonic() - started < 1
    assert changed["version"] > version and changed["draft"]["text"] == "streaming"
    bad = await client.get("/api/chats/42/messages?since=x")
    assert bad.status_code == 400


def test_call_log_and_stats(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    httpx.post(sandbox_server.method_url("getMe"))
    httpx.post(sandbox_server.method_url("sendMessage"), data={"chat_id": "42", "text": "a"})
    httpx.post(sandbox_server.method_url("sendMessage"), data={"chat_id": "1", "text": "a"})
    calls = sandbox_server.calls()
    assert [(c["method"], c["status"]) for c in calls] == [
        ("getMe", 200), ("sendMessage", 200), ("sendMessage", 400)
    ]
    assert calls[1]["params"] == {"chat_id": "42", "text": "a"}
    assert calls[2]["description"] == "Bad Request: chat not found"
    assert all(isinstance(c["time"], float) for c in calls)
    assert len(sandbox_server.calls("SENDMESSAGE")) == 2
    assert httpx.delete(f"{sandbox_server.url}/api/calls").status_code == 200
    assert sandbox_server.calls() == []
    stats = httpx.get(f"{sandbox_server.url}/api/stats").json()
    assert stats["calls"] == {"getMe": 1, "sendMessage": 2}
    assert stats["too_many_requests"] == {} and stats["too_many_requests_total"] == 0


def test_reset_forgets_everything(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    sandbox_server.add_fault(method="getMe", error_code=500, times=None)
    assert httpx.post(f"{sandbox_server.url}/api/reset").json() == {"ok": True}
    assert httpx.get(f"{sandbox_server.url}/api/chats").json() == {"chats": []}
    assert httpx.post(sandbox_server.method_url("getMe")).status_code == 200


def test_page_is_self_contained_with_relative_urls(sandbox_server: SandboxHandle) -> None:
    page = httpx.get(f"{sandbox_server.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="static/page.js"' in page.text and 'href="static/page.css"' in page.text
    assert "http" not in page.text.replace('name="viewport"', ""), "no CDN"
    script = httpx.get(f"{sandbox_server.url}/static/page.js")
    assert script.status_code == 200
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script.text, "bot text is rendered with DOM nodes only"
    assert 'api("/' not in script.text and "fetch(\"/" not in script.text
    assert httpx.get(f"{sandbox_server.url}/static/page.css").status_code == 200


@pytest.mark.anyio
async def test_mounted_under_a_prefix(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        received.append(await request.json())
        return Response()

    sandbox = create_sandbox_app(SandboxConfig(token=TEST_TOKEN))
    parent = Starlette(routes=[Mount("/sandbox", app=sandbox), Route("/hook", hook,
                                                                      methods=["POST"])])
    with serve_app(parent) as url:
        async with httpx.AsyncClient(base_url=f"{url}/sandbox") as client:
            await _check_mounted(url, client, received)


async def _check_mounted(url: str, client: httpx.AsyncClient, received: list[Any]) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and "static/page.js" in page.text
    assert (await client.get("/static/page.js")).status_code == 200
    async with Bot(TEST_TOKEN, base_url=f"{url}/sandbox/bot") as bot:
        assert bot.username == "parley_sandbox_bot"
        assert await bot.set_webhook(f"{url}/hook")
        (await client.post("/api/chats/42/messages", json={"text": "hi"})).raise_for_status()
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.01)
        assert [u["message"]["text"] for u in received] == ["hi"], "delivery runs mounted"
        await bot.send_message(42, "<b>answer</b>", parse_mode=ParseMode.HTML)
    chat = (await client.get("/api/chats/42/messages")).json()
    assert [m["text"] for m in chat["messages"]] == ["hi", "answer"]


@pytest.mark.anyio
async def test_chats_persist_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    config = SandboxConfig(token=TEST_TOKEN, persist_path=path, flood_limits_enabled=False)
    with running_sandbox(config) as url:
        handle = SandboxHandle(url, config)
        first_update = handle.inject(42, "hi", first_name="Ann")["update_id"]
        async with Bot(TEST_TOKEN, base_url=handle.bot_base_url) as bot:
            sent = await bot.send_message(42, "<i>hello</i>", parse_mode=ParseMode.HTML)
            await bot.edit_message_text("<b>hello</b>", chat_id=42, message_id=sent.message_id,
                                        parse_mode=ParseMode.HTML)
            await bot.send_message_draft(42, 5, "ephemeral")
        before = handle.messages(42)
    assert path.exists()
    with running_sandbox(config) as url:
        handle = SandboxHandle(url, config)
        after = handle.messages(42)
        assert after["messages"] == before["messages"]
        assert after["chat"] == before["chat"]
        assert after["draft"] is None, "drafts are ephemeral"
        assert [m["edit_count"] for m in after["messages"]] == [0, 1]
        again = handle.inject(42, "back")
        assert again["message_id"] == 3, "message ids continue"
        assert again["update_id"] > first_update, "update ids keep growing"


def test_pending_updates_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(token=TEST_TOKEN, persist_path=tmp_path / "sandbox.json")
    with running_sandbox(config) as url:
        update_id = SandboxHandle(url, config).inject(42, "while the bot was down")["update_id"]
    with running_sandbox(config) as url:
        result = httpx.post(f"{url}/bot{TEST_TOKEN}/getUpdates").json()["result"]
    assert [u["update_id"] for u in result] == [update_id]


def test_an_unreadable_state_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text("{not json")
    config = SandboxConfig(token=TEST_TOKEN, persist_path=path)
    with running_sandbox(config) as url:
        assert httpx.get(f"{url}/api/chats").json() == {"chats": []}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_standalone_runner(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", str(port),
         "--persist", str(tmp_path / "s.json"), "--no-flood-limits"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while not _answers(f"{url}/bot{DEFAULT_TOKEN}/getMe"):
            assert time.monotonic() < deadline and process.poll() is None, "did not start"
            time.sleep(0.05)
        httpx.post(f"{url}/api/chats/8/messages", json={"text": "hi"}).raise_for_status()
        assert httpx.get(f"{url}/").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    saved = json.loads((tmp_path / "s.json").read_text())
    assert [m["text"] for m in saved["chats"][0]["messages"]] == ["hi"]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.HTTPError:
        return False
