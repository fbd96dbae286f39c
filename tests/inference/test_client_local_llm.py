"""InferenceClient against the real local engine: llama.cpp's server running SmolLM2 on CPU."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from inference.client import InferenceClient
from inference.local_engine import MODEL_ALIAS, gguf_path
from inference.types import ContextOverflowError, Delta, Finish, StreamItem
from tests.fixtures.inference import running_local_llm

CONTEXT, PARALLEL = 2048, 2


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with running_local_llm(context=CONTEXT, parallel=PARALLEL) as url:
        yield url


def _client(url: str) -> InferenceClient:
    return InferenceClient(url, api_key=None, model=MODEL_ALIAS, read_timeout=60, max_retries=1)


def test_gguf_is_found() -> None:
    assert gguf_path().stat().st_size > 50_000_000


def test_streams_a_real_answer_with_usage(llm_url: str) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ]

    async def main() -> list[StreamItem]:
        async with _client(llm_url) as client:
            stream = client.stream_chat(
                messages, max_tokens=24, request_id="local-1", temperature=0
            )
            return [item async for item in stream]

    items = asyncio.run(main())
    finish = items[-1]
    text = "".join(item.text for item in items if isinstance(item, Delta))
    assert isinstance(finish, Finish) and finish.finish_reason in ("stop", "length")
    assert text.strip() and "Paris" in text
    assert finish.usage is not None and finish.usage.prompt_tokens > 10
    assert 0 < finish.usage.completion_tokens <= 24


def test_context_length_and_health(llm_url: str) -> None:
    async def main() -> tuple[int, tuple[bool, str]]:
        async with _client(llm_url) as client:
            return await client.context_length(), await client.health()

    context, health = asyncio.run(main())
    assert context == CONTEXT // PARALLEL
    assert health == (True, "ok")


def test_overflow_is_a_context_overflow_error(llm_url: str) -> None:
    messages = [{"role": "user", "content": "hello " * 1500}]

    async def main() -> None:
        async with _client(llm_url) as client:
            async for _ in client.stream_chat(messages, max_tokens=8, request_id="big"):
                pass

    with pytest.raises(ContextOverflowError):
        asyncio.run(main())


def test_metrics_endpoint_is_enabled(llm_url: str) -> None:
    assert httpx.get(f"{llm_url}/metrics").status_code == 200
