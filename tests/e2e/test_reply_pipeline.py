"""End to end: sandbox Telegram -> webhook -> Celery on Redis -> worker -> model -> chat -> DB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.config import SandboxConfig
from core.embedded import free_port
from core.settings import SANDBOX_TOKEN
from core.storage.models import Status
from tests.fixtures.inference import running_local_llm, running_simulator
from tests.fixtures.sandbox import running_sandbox
from tests.fixtures.stack import Stack, running_stack, stack_on_simulator, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    config = SandboxConfig(token=SANDBOX_TOKEN, bot_username="parley_sandbox_bot")
    with running_sandbox(config) as url:
        yield url


@pytest.fixture(scope="module")
def local_llm_url() -> Iterator[str]:
    with running_local_llm() as url:
        yield url


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'e2e.db'}"


def final_answers(
    stack: Stack, chat_id: int, count: int, timeout: float = 60
) -> list[dict[str, Any]]:
    """Wait until `count` inbound messages of the chat are finished, then return bot messages."""

    def finished() -> bool:
        mine = [m for m in stack.user_messages() if m.chat_id == chat_id]
        done = {Status.ANSWERED.value, Status.FAILED.value}
        return len(mine) >= count and all(m.status in done for m in mine)

    wait_until(finished, timeout, f"{count} answers in chat {chat_id}")
    return stack.bot_messages(chat_id)


def test_message_gets_a_streamed_answer_from_the_local_model_and_is_stored(
    tmp_path: Path, redis_url: str, sandbox_url: str, local_llm_url: str
) -> None:
    with running_stack(
        workdir=tmp_path,
        redis_url=redis_url,
        database_url=db_url(tmp_path),
        sandbox_url=sandbox_url,
        inference_url=local_llm_url,
        model="smollm2",
        MAX_REPLY_TOKENS="48",
    ) as stack:
        metrics_port = free_port()
        stack.start_worker(WORKER_METRICS_PORT=str(metrics_port))
        chat = 5001
        stack.send(chat, "Write one sentence about the sea.", language_code="en")
        bot = final_answers(stack, chat, 1, timeout=90)
        assert len(bot) == 1 and bot[0]["text"].strip()
        drafts = stack.calls("sendMessageDraft", chat)
        assert drafts, "the answer streamed as drafts before the final message"
        typing = stack.calls("sendChatAction", chat)
        assert typing and typing[0]["params"]["action"] == "typing"
        [inbound] = [m for m in stack.user_messages() if m.chat_id == chat]
        [reply] = [r for r in stack.replies() if r.reply_to_id == inbound.id]
        assert inbound.status == Status.ANSWERED.value
        assert reply.text.strip() and reply.status == Status.DELIVERED.value
        assert reply.prompt_tokens and reply.completion_tokens
        assert reply.ttft_ms is not None and reply.latency_ms and reply.latency_ms >= reply.ttft_ms
        assert reply.finish_reason in {"stop", "length"}
        assert reply.telegram_message_id == bot[0]["message_id"]
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert "parley_inference_concurrency_limit" in metrics
        assert 'parley_telegram_calls_total{method="sendMessage",result="ok"}' in metrics


def test_killed_worker_mid_answer_yields_exactly_one_final_answer(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    # Slow enough that the worker is surely killed while the answer streams.
    with stack_on_simulator(
        tmp_path, redis_url, sandbox_url, simulator=dict(output_tokens=120, speed=0.25)
    ) as stack:
        first = stack.start_worker("w1")
        chat = 5002
        stack.send(chat, "Tell me a long story.")
        wait_until(lambda: stack.calls("sendMessageDraft", chat), 30, "the first draft")
        stack.kill_worker(first)
        assert stack.bot_messages(chat) == []
        stack.start_worker("w2")
        bot = final_answers(stack, chat, 1, timeout=60)
        assert len(bot) == 1
        [inbound] = [m for m in stack.user_messages() if m.chat_id == chat]
        replies = [r for r in stack.replies() if r.reply_to_id == inbound.id]
        assert inbound.status == Status.ANSWERED.value and inbound.attempts == 2
        assert len(replies) == 1 and replies[0].telegram_message_id == bot[0]["message_id"]


def test_each_chat_is_answered_in_order_and_chats_in_parallel(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    with stack_on_simulator(
        tmp_path, redis_url, sandbox_url, simulator=dict(output_tokens=12, speed=20.0)
    ) as stack:
        stack.start_worker("w1")
        stack.start_worker("w2")
        chats = [6001, 6002, 6003, 6004]
        for turn in range(3):
            for chat in chats:
                stack.send(chat, f"question {turn} in chat {chat}")
            time.sleep(1.1)  # slower than a burst, which would be answered as one message
        for chat in chats:
            final_answers(stack, chat, 3, timeout=60)
        for chat in chats:
            inbound = [m for m in stack.user_messages() if m.chat_id == chat]
            replies = {r.reply_to_id: r for r in stack.replies() if r.chat_id == chat}
            assert [m.status for m in inbound] == [Status.ANSWERED.value] * 3
            ordered = [replies[m.id] for m in inbound]
            # Answered one at a time, in order: each reply exists before the next one starts.
            assert [r.id for r in ordered] == sorted(r.id for r in ordered)
            sent = [m["message_id"] for m in stack.bot_messages(chat)]
            assert sent == [r.telegram_message_id for r in ordered]


def test_a_burst_of_messages_is_answered_once_together(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    with stack_on_simulator(
        tmp_path,
        redis_url,
        sandbox_url,
        simulator=dict(output_tokens=400, content="echo", speed=5.0),
    ) as stack:
        chat = 6101
        for part in ["first part of a long paste", "second part", "third part"]:
            stack.send(chat, part)
        stack.start_worker()  # the burst is complete before anything is answered
        bot = final_answers(stack, chat, 3)
        assert len(bot) == 1
        first, *rest = [m for m in stack.user_messages() if m.chat_id == chat]
        assert first.text == "first part of a long paste\nsecond part\nthird part"
        assert [m.merged_into_id for m in rest] == [first.id, first.id]
        assert {m.status for m in rest} == {Status.ANSWERED.value}
        [reply] = [r for r in stack.replies() if r.chat_id == chat]
        assert reply.reply_to_id == first.id
        assert "third part" in reply.text  # the echo model saw the whole burst


def test_long_polling_feeds_the_same_intake(tmp_path: Path, redis_url: str) -> None:
    config = SandboxConfig(token=SANDBOX_TOKEN, bot_username="parley_sandbox_bot")
    with (
        running_sandbox(config) as sandbox,
        running_simulator(output_tokens=10, speed=10.0) as sim_url,
        running_stack(
            workdir=tmp_path,
            redis_url=redis_url,
            database_url=db_url(tmp_path),
            sandbox_url=sandbox,
            inference_url=sim_url,
            webhook=False,
        ) as stack,
    ):
        stack.start_worker()
        stack.send(6201, "hello over long polling")
        assert len(final_answers(stack, 6201, 1)) == 1
        assert not stack.calls("setWebhook"), "polling mode registers no webhook"
