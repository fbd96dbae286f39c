"""Image parts in the simulator: decoding, token cost, prefix caching and the vision switch."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx
import pytest

from inference.simulator.images import decode_data_url, summarize
from tests.fixtures.inference import running_simulator
from tests.inference.helpers import sse_events, stats

CHAT = "/v1/chat/completions"
# 640x480 is 2x2 tiles of 336 px: 4 * 144 + a 144-token thumbnail + start/end = 722 tokens.
TOKENS_640X480 = 722


def jpeg(width: int, height: int, salt: bytes = b"") -> bytes:
    """A JPEG header with the given size; `salt` makes different bytes of the same size."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + salt + b"\x00" * 32 + b"\xff\xd9"


def data_url(data: bytes, mime: str = "image/jpeg") -> str:
    """A base64 data URL."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def user(text: str | None, url: str | None = None) -> dict[str, Any]:
    """A user message with an optional text part and an optional image part."""
    parts: list[dict[str, Any]] = []
    if text is not None:
        parts.append({"type": "text", "text": text})
    if url is not None:
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": "user", "content": parts}


def chat(url: str, messages: list[dict[str, Any]], **body: Any) -> httpx.Response:
    """POST a non-streaming chat request."""
    payload = {"model": "M", "messages": messages, "max_tokens": 40, **body}
    return httpx.post(url + CHAT, json=payload, timeout=10)


def test_token_cost_follows_tiles() -> None:
    assert len(decode_data_url(data_url(jpeg(640, 480))).token_ids()) == TOKENS_640X480
    assert len(decode_data_url(data_url(jpeg(300, 200))).token_ids()) == 144 + 2
    assert len(decode_data_url(data_url(jpeg(8000, 8000))).token_ids()) == 17 * 144 + 2


def test_image_part_is_counted_and_echoed() -> None:
    photo = data_url(jpeg(640, 480))
    with running_simulator(speed=100, content="echo") as url:
        text_only = chat(url, [user("What is this?")]).json()
        with_image = chat(url, [user("What is this?", photo)]).json()
        image_only = chat(url, [user(None, photo)]).json()
    extra = with_image["usage"]["prompt_tokens"] - text_only["usage"]["prompt_tokens"]
    assert extra == TOKENS_640X480
    answer = with_image["choices"][0]["message"]["content"]
    assert answer.startswith("You said: What is this? [image 640x480]")
    assert image_only["choices"][0]["message"]["content"].startswith("You said: [image 640x480]")


def test_streaming_with_an_image_reports_usage() -> None:
    photo = data_url(jpeg(640, 480))
    with running_simulator(speed=100, content="echo", output_tokens=5) as url:
        response = chat(url, [user("Look", photo)], stream=True,
                        stream_options={"include_usage": True})
    events = sse_events(response.content)
    assert response.status_code == 200 and events[-1] == "[DONE]"
    usage = json.loads(events[-2])["usage"]
    assert usage["prompt_tokens"] > TOKENS_640X480


def test_the_same_image_is_cached_on_the_next_turn() -> None:
    photo = data_url(jpeg(640, 480, b"first"))
    other = data_url(jpeg(640, 480, b"other"))
    with running_simulator(speed=100, content="echo", output_tokens=6) as url:
        first = chat(url, [user("What is this?", photo)]).json()
        history = [user("What is this?", photo),
                   {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
                   user("And the colour?")]
        second = chat(url, history).json()
        swapped = chat(url, [user("What is this?", other)]).json()
    prompt = first["usage"]["prompt_tokens"]
    assert second["usage"]["prompt_tokens_details"]["cached_tokens"] >= prompt
    cached_other = swapped["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert cached_other <= prompt - TOKENS_640X480, "another image must not hit the cache"
    assert cached_other > 0, "the text before the image is still shared"


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,@@@"}},
         "does not decode"),
        ({"type": "image_url", "image_url": {"url": data_url(b"plain text")}},
         "cannot identify"),
        ({"type": "image_url", "image_url": {"url": "data:text/plain,hello"}},
         "Invalid image data URL"),
        ({"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
         "Only data:image"),
        ({"type": "image_url", "image_url": "data:image/jpeg;base64,AAAA"}, "url"),
        ({"type": "image_url"}, "url"),
    ],
)
def test_invalid_image_parts_get_sglangs_400(part: dict[str, Any], message: str) -> None:
    with running_simulator(speed=100) as url:
        response = chat(url, [{"role": "user", "content": [{"type": "text", "text": "hi"}, part]}])
        tokenized = httpx.post(f"{url}/v1/tokenize", json={"messages": [
            {"role": "user", "content": [part]}]})
    assert response.status_code == 400 and tokenized.status_code == 400
    body = response.json()
    assert {k: body[k] for k in ("object", "type", "param", "code")} == {
        "object": "error", "type": "BadRequestError", "param": None, "code": 400
    }
    assert message in body["message"]


def test_vision_off_refuses_images_and_says_so() -> None:
    with running_simulator(speed=100, vision=False) as url:
        refused = chat(url, [user("What is this?", data_url(jpeg(640, 480)))])
        text = chat(url, [user("Just text")])
        info = httpx.get(f"{url}/model_info").json()
        server = httpx.get(f"{url}/server_info").json()
    assert refused.status_code == 400
    assert refused.json()["type"] == "BadRequestError"
    assert "does not support image input" in refused.json()["message"]
    assert text.status_code == 200
    assert info["has_image_understanding"] is False and server["enable_multimodal"] is False


def test_model_info_reports_vision() -> None:
    with running_simulator(speed=100) as url:
        info = httpx.get(f"{url}/model_info").json()
        legacy = httpx.get(f"{url}/get_model_info").json()
        server = httpx.get(f"{url}/server_info").json()
    assert info["has_image_understanding"] is True and legacy["has_image_understanding"] is True
    assert info["has_audio_understanding"] is False
    assert info["architectures"] == ["Llama4ForConditionalGeneration"]
    assert server["enable_multimodal"] is True


def test_tokenize_counts_image_tokens() -> None:
    photo = data_url(jpeg(640, 480))
    with running_simulator(speed=100) as url:
        plain = httpx.post(f"{url}/v1/tokenize", json={"messages": [user("Hi")]}).json()
        image = httpx.post(f"{url}/v1/tokenize", json={"messages": [user("Hi", photo)]}).json()
    assert image["count"] - plain["count"] == TOKENS_640X480


def test_stats_keep_bodies_small() -> None:
    photo = data_url(jpeg(640, 480, b"x" * 5000))
    with running_simulator(speed=100) as url:
        chat(url, [user("What is this?", photo)])
        [recent] = stats(url)["recent"]
    part = recent["body"]["messages"][0]["content"][1]
    assert part["image_url"]["url"] == f"{photo[:40]}... ({len(photo)} chars)"
    assert recent["body"]["messages"][0]["content"][0] == {"type": "text", "text": "What is this?"}
    assert summarize({"a": ["data:short", 1]}) == {"a": ["data:short", 1]}
