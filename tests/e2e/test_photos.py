"""Photos end to end: a Telegram photo reaches a vision model as an image content part; with
a model that cannot see (the embedded one) the user gets a clear message."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.i18n import texts as T
from bot.i18n import translator
from bot.sandbox import SandboxConfig
from core.settings import SANDBOX_TOKEN
from core.storage.models import Status
from tests.fixtures.inference import running_local_llm
from tests.fixtures.sandbox import running_sandbox
from tests.fixtures.stack import Stack, running_stack, stack_on_simulator, wait_until

pytestmark = pytest.mark.slow


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG image, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    with running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as url:
        yield url


def send_photo(stack: Stack, chat_id: int, caption: str | None) -> int:
    body: dict[str, Any] = {
        "photo_base64": base64.b64encode(tiny_png()).decode(),
        "user_id": chat_id,
    }
    if caption is not None:
        body["caption"] = caption
    response = httpx.post(f"{stack.sandbox_url}/api/chats/{chat_id}/photos", json=body)
    response.raise_for_status()
    update_id: int = response.json()["update_id"]
    wait_until(lambda: stack.stored(update_id), 30, "the photo to be stored")
    return update_id


def finished(stack: Stack, chat_id: int) -> Any:
    def done() -> Any:
        mine = [m for m in stack.user_messages() if m.chat_id == chat_id]
        return mine if mine and all(m.status in ("answered", "failed") for m in mine) else None

    return wait_until(done, 60, f"chat {chat_id} to finish")


def test_photo_reaches_a_vision_model_as_an_image_part(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    with stack_on_simulator(
        tmp_path,
        redis_url,
        sandbox_url,
        simulator=dict(content="echo", output_tokens=40, speed=5.0),
    ) as stack:
        stack.start_worker()
        send_photo(stack, 9101, "What colour is this?")
        [message] = finished(stack, 9101)
        assert message.status == Status.ANSWERED.value
        assert message.image_file_id, "the history keeps a reference to the photo"
        assert message.text == "What colour is this?"
        recent = httpx.get(f"{stack.simulator_url}/_sim/stats").json()["recent"]
        content = recent[-1]["body"]["messages"][-1]["content"]
        kinds = [part["type"] for part in content]
        assert kinds == ["text", "image_url"]
        assert "image/png" in str(content[1]["image_url"]["url"])
        [answer] = stack.bot_messages(9101)
        assert "image" in answer["text"].lower()


def test_a_model_without_vision_gets_a_clear_message(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    with (
        running_local_llm() as llm,
        running_stack(
            workdir=tmp_path,
            redis_url=redis_url,
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            sandbox_url=sandbox_url,
            inference_url=llm,
            model="smollm2",
        ) as stack,
    ):
        stack.start_worker()
        send_photo(stack, 9102, None)
        [message] = finished(stack, 9102)
        assert message.status == Status.FAILED.value
        assert message.error == "refused: the model cannot read images"
        [notice] = stack.bot_messages(9102)
        assert notice["text"] == translator("en").text(T.ERROR_IMAGES_UNSUPPORTED)


def test_inference_vision_overrides_what_the_server_says(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    # The simulator says it reads images; the setting wins (behind sglang-router, which cannot
    # tell, INFERENCE_VISION=true is what lets photos through).
    with stack_on_simulator(
        tmp_path,
        redis_url,
        sandbox_url,
        simulator=dict(content="echo", output_tokens=40, speed=5.0),
        INFERENCE_VISION="false",
    ) as stack:
        stack.start_worker()
        send_photo(stack, 9103, "and this?")
        [message] = finished(stack, 9103)
        assert message.status == Status.FAILED.value
        assert message.error == "refused: the model cannot read images"
