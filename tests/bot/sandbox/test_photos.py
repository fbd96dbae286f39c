"""Photos: injected by multipart or base64, delivered as updates, fetched by getFile + download."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot
from telegram.error import BadRequest

from bot.sandbox import SandboxConfig
from bot.sandbox.images import probe
from tests.bot.sandbox.test_webhook import bot_call, wait_until
from tests.fixtures.sandbox import TEST_TOKEN, SandboxHandle, running_sandbox, serve_app

pytestmark = pytest.mark.anyio


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    """A JPEG header (APP0 then a baseline SOF0) that carries the size; enough for a probe."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\x00" * 64 + b"\xff\xd9"


def send_photo(handle: SandboxHandle, chat_id: int, data: bytes, **fields: Any) -> httpx.Response:
    """Inject a photo with a multipart upload, as the chat page does."""
    form = {key: str(value) for key, value in fields.items()}
    return httpx.post(f"{handle.url}/api/chats/{chat_id}/photos",
                      files={"photo": ("photo.jpg", data, "image/jpeg")}, data=form)


def send_photo_base64(handle: SandboxHandle, chat_id: int, data: bytes,
                      **fields: Any) -> httpx.Response:
    """Inject a photo as base64 in a JSON body."""
    body = {"photo_base64": base64.b64encode(data).decode(), **fields}
    return httpx.post(f"{handle.url}/api/chats/{chat_id}/photos", json=body)


def test_probe_reads_sizes_of_every_format() -> None:
    gif = b"GIF89a" + struct.pack("<HH", 30, 20) + b"\x00" * 8
    webp = b"RIFF" + b"\x00" * 4 + b"WEBPVP8X" + b"\x00" * 8 + (99).to_bytes(3, "little") \
        + (49).to_bytes(3, "little")
    assert [(i.mime, i.width, i.height) for i in map(probe, (png(3, 2), jpeg(640, 480), gif, webp))
            if i] == [("image/png", 3, 2), ("image/jpeg", 640, 480), ("image/gif", 30, 20),
                      ("image/webp", 100, 50)]
    assert probe(b"hello world, not an image") is None


async def test_multipart_photo_becomes_an_update_and_downloads_through_ptb(
    sandbox_server: SandboxHandle,
) -> None:
    data = jpeg(1600, 1200)
    created = send_photo(sandbox_server, 42, data, caption="What is /this?", language_code="de")
    assert created.status_code == 200, created.text
    body = created.json()
    async with Bot(TEST_TOKEN, base_url=sandbox_server.bot_base_url,
                   base_file_url=f"{sandbox_server.url}/file/bot") as bot:
        [update] = await bot.get_updates()
        message = update.message
        assert message is not None and update.update_id == body["update_id"]
        assert message.text is None and message.caption == "What is /this?"
        assert [(e.type, e.offset, e.length) for e in message.caption_entities] == [
            ("bot_command", 8, 5)
        ]
        assert message.from_user is not None and message.from_user.language_code == "de"
        sizes = [(p.width, p.height) for p in message.photo]
        assert sizes == [(90, 68), (320, 240), (800, 600), (1280, 960), (1600, 1200)]
        assert len({p.file_id for p in message.photo}) == len(sizes)
        largest = message.photo[-1]
        assert largest.file_size == len(data)
        file = await bot.get_file(largest.file_id)
        assert file.file_path == f"{sandbox_server.url}/file/bot{TEST_TOKEN}/photos/file_1.jpg"
        assert file.file_size == len(data)
        assert bytes(await file.download_as_bytearray()) == data
        small = await bot.get_file(message.photo[0].file_id)
        assert bytes(await small.download_as_bytearray()) == data, "every size serves the bytes"


async def test_base64_photo_without_caption(sandbox_server: SandboxHandle) -> None:
    data = png(64, 48)
    created = send_photo_base64(sandbox_server, -100, data, user_id=7, first_name="Bo")
    assert created.status_code == 200, created.text
    message = created.json()["message"]
    assert "text" not in message and "caption" not in message
    assert message["chat"]["type"] == "group" and message["from"]["id"] == 7
    assert [(p["width"], p["height"]) for p in message["photo"]] == [(64, 48)]
    async with Bot(TEST_TOKEN, base_url=sandbox_server.bot_base_url,
                   base_file_url=f"{sandbox_server.url}/file/bot") as bot:
        file = await bot.get_file(message["photo"][0]["file_id"])
        assert file.file_path is not None and file.file_path.endswith(".png")
        assert bytes(await file.download_as_bytearray()) == data
    listed = sandbox_server.messages(-100)["messages"][0]
    assert listed["photo"] == message["photo"] and listed["caption"] is None
    page = httpx.get(f"{sandbox_server.url}/api/files/{message['photo'][0]['file_id']}")
    assert (page.status_code, page.headers["content-type"], page.content) == (
        200, "image/png", data
    )


def test_photo_messages_list_caption_and_sizes(sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(5, "hello")
    send_photo(sandbox_server, 5, jpeg(300, 200), caption="look", reply_to_message_id=1)
    hello, photo = sandbox_server.messages(5)["messages"]
    assert hello["photo"] is None and hello["text"] == "hello"
    assert photo["caption"] == "look" and photo["reply_to_message_id"] == 1
    assert [(p["width"], p["height"]) for p in photo["photo"]] == [(90, 60), (300, 200)]
    assert all(set(p) == {"file_id", "file_unique_id", "width", "height", "file_size"}
               for p in photo["photo"])


def test_photo_is_delivered_to_the_webhook(sandbox_server: SandboxHandle) -> None:
    received: list[dict[str, Any]] = []

    async def endpoint(request: Request) -> Response:
        received.append(await request.json())
        return Response()

    with serve_app(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as url:
        assert bot_call(sandbox_server, "setWebhook", url=f"{url}/hook")["ok"]
        body = send_photo(sandbox_server, 9, jpeg(100, 80), caption="cap").json()
        wait_until(lambda: received)
    [update] = received
    assert update["update_id"] == body["update_id"]
    assert update["message"]["photo"] == body["message"]["photo"]
    assert update["message"]["caption"] == "cap" and "text" not in update["message"]


async def test_get_file_and_download_errors(bot: Bot, sandbox_server: SandboxHandle) -> None:
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")
    raw = httpx.post(sandbox_server.method_url("getFile"), data={"file_id": "nope"})
    assert (raw.status_code, raw.json()["description"]) == (400, "Bad Request: invalid file_id")
    photo = send_photo(sandbox_server, 3, jpeg(10, 10)).json()["message"]["photo"][0]
    path = bot_call(sandbox_server, "getFile", file_id=photo["file_id"])["result"]["file_path"]
    assert path.startswith("photos/file_") and path.endswith(".jpg")
    base = f"{sandbox_server.url}/file/bot"
    wrong = httpx.get(f"{base}123:wrong/{path}")
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")
    missing = httpx.get(f"{base}{TEST_TOKEN}/photos/file_999.jpg")
    assert (missing.status_code, missing.json()["description"]) == (404, "Not Found")
    ok = httpx.get(f"{base}{TEST_TOKEN}/{path}")
    assert (ok.status_code, ok.headers["content-type"]) == (200, "image/jpeg")


@pytest.mark.parametrize(
    ("send", "status", "reason"),
    [
        (lambda h: send_photo(h, 4, b"plain text, not a picture"), 400, "not a JPEG"),
        (lambda h: send_photo_base64(h, 4, b"plain text"), 400, "not a JPEG"),
        (lambda h: httpx.post(f"{h.url}/api/chats/4/photos", json={"photo_base64": "@@@"}),
         400, "not valid base64"),
        (lambda h: httpx.post(f"{h.url}/api/chats/4/photos", json={"caption": "x"}),
         400, "photo_base64"),
        (lambda h: httpx.post(f"{h.url}/api/chats/4/photos", data={"caption": "x"},
                              files={"other": ("a", b"b")}), 400, "photo must be a file"),
        (lambda h: send_photo(h, 4, jpeg(9, 9), caption="x" * 1025), 400, "caption"),
        (lambda h: send_photo(h, 4, jpeg(9, 9), user_id="abc"), 400, "user_id"),
        (lambda h: send_photo(h, 4, jpeg(9, 9) + b"\x00" * 2048), 413, "larger than 1024"),
        (lambda h: send_photo_base64(h, 4, jpeg(9, 9) + b"\x00" * 2048), 413, "larger than"),
    ],
)
def test_bad_photos_get_a_short_reason(
    sandbox_factory: Callable[..., SandboxHandle],
    send: Callable[[SandboxHandle], httpx.Response], status: int, reason: str,
) -> None:
    handle = sandbox_factory(max_photo_bytes=1024)
    response = send(handle)
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert reason in message and len(message) < 120
    assert httpx.get(f"{handle.url}/api/chats").json() == {"chats": []}


def test_photos_persist_across_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(token=TEST_TOKEN, persist_path=tmp_path / "sandbox.json")
    data = png(20, 10)
    with running_sandbox(config) as url:
        photo = send_photo(SandboxHandle(url, config), 42, data, caption="kept").json()
    file_id = photo["message"]["photo"][-1]["file_id"]
    with running_sandbox(config) as url:
        [update] = httpx.post(f"{url}/bot{TEST_TOKEN}/getUpdates").json()["result"]
        assert update["message"]["caption"] == "kept"
        result = httpx.post(f"{url}/bot{TEST_TOKEN}/getFile", data={"file_id": file_id}).json()
        path = result["result"]["file_path"]
        assert httpx.get(f"{url}/file/bot{TEST_TOKEN}/{path}").content == data
        again = send_photo(SandboxHandle(url, config), 42, data).json()["message"]["photo"][-1]
        assert again["file_id"] != file_id


def test_reset_forgets_files(sandbox_server: SandboxHandle) -> None:
    file_id = send_photo(sandbox_server, 8, jpeg(5, 5)).json()["message"]["photo"][0]["file_id"]
    httpx.post(f"{sandbox_server.url}/api/reset")
    response = httpx.post(sandbox_server.method_url("getFile"), data={"file_id": file_id})
    assert response.status_code == 400


def test_page_can_send_and_show_photos(sandbox_server: SandboxHandle) -> None:
    page = httpx.get(f"{sandbox_server.url}/").text
    assert 'type="file"' in page and 'name="photo"' in page
    script = httpx.get(f"{sandbox_server.url}/static/page.js").text
    assert "api/chats/${encodeURIComponent(values.chat_id)}/photos" in script
    assert "api/files/${encodeURIComponent(largest.file_id)}" in script
