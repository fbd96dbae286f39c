"""Failure modes end to end: model server errors, an unreachable model, Telegram 429s, a broker
restart. Every inbound message ends answered or failed with its error; none is lost or doubled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.i18n import texts as T
from bot.i18n import translator
from bot.sandbox import SandboxConfig
from core.embedded import start_redis
from core.settings import SANDBOX_TOKEN
from core.storage.models import Message, Status
from tests.fixtures.inference import running_simulator
from tests.fixtures.redis_server import free_port
from tests.fixtures.sandbox import running_sandbox
from tests.fixtures.stack import Stack, running_stack, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_simulator(output_tokens=20, speed=10.0) as url:
        yield url


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, sandbox_url: str, sim_url: str) -> Iterator[Stack]:
    httpx.delete(f"{sim_url}/_sim/faults")
    with running_stack(
        workdir=tmp_path,
        redis_url=redis_url,
        database_url=f"sqlite:///{tmp_path / 'e2e.db'}",
        sandbox_url=sandbox_url,
        inference_url=sim_url,
        INFERENCE_MAX_RETRIES="2",
    ) as running:
        running.start_worker()
        yield running


def finished(stack: Stack, chat_id: int) -> Message:
    def done() -> Message | None:
        mine = [m for m in stack.user_messages() if m.chat_id == chat_id]
        if mine and mine[-1].status in (Status.ANSWERED.value, Status.FAILED.value):
            return mine[-1]
        return None

    result: Message = wait_until(done, 60, f"chat {chat_id} to finish")
    return result


def arm(sim_url: str, **fault: Any) -> None:
    httpx.post(f"{sim_url}/_sim/faults", json=fault).raise_for_status()


def test_transient_503s_are_retried_and_answered(stack: Stack, sim_url: str) -> None:
    arm(sim_url, mode="http", status=503, count=2)
    stack.send(7001, "hello")
    message = finished(stack, 7001)
    assert message.status == Status.ANSWERED.value
    assert len(stack.bot_messages(7001)) == 1


def test_a_400_is_not_retried_and_is_stored_as_a_failure_the_user_hears_about(
    stack: Stack, sim_url: str
) -> None:
    arm(sim_url, mode="http", status=400, count=1, message="bad sampling parameters")
    stack.send(7002, "hello")
    message = finished(stack, 7002)
    assert message.status == Status.FAILED.value and message.attempts == 1
    assert message.error and "400" in message.error
    [notice] = stack.bot_messages(7002)
    assert notice["text"] == translator("en").text(T.ERROR_MODEL_UNAVAILABLE)


def test_an_error_after_text_started_retries_the_whole_answer_once(
    stack: Stack, sim_url: str
) -> None:
    arm(sim_url, mode="inband", status=503, count=1, after_tokens=5)
    stack.send(7003, "hello")
    message = finished(stack, 7003)
    assert message.status == Status.ANSWERED.value and message.attempts == 2
    assert len(stack.bot_messages(7003)) == 1
    assert len([r for r in stack.replies() if r.reply_to_id == message.id]) == 1


def test_telegram_429_on_the_final_message_waits_and_delivers_once(
    stack: Stack, sandbox_url: str
) -> None:
    spec = {"method": "sendMessage", "chat_id": 7004, "error_code": 429, "retry_after": 1}
    httpx.post(f"{sandbox_url}/api/faults", json={**spec, "times": 1}).raise_for_status()
    stack.send(7004, "hello")
    message = finished(stack, 7004)
    assert message.status == Status.ANSWERED.value
    assert len(stack.bot_messages(7004)) == 1
    sends = [c for c in stack.calls("sendMessage") if str(c["params"]["chat_id"]) == "7004"]
    assert [c["status"] for c in sends] == [429, 200]


def test_unreachable_model_ends_as_a_stored_failure(
    tmp_path: Path, redis_url: str, sandbox_url: str
) -> None:
    with running_stack(
        workdir=tmp_path,
        redis_url=redis_url,
        database_url=f"sqlite:///{tmp_path / 'down.db'}",
        sandbox_url=sandbox_url,
        inference_url=f"http://127.0.0.1:{free_port()}",
        INFERENCE_MAX_RETRIES="1",
        MAX_ATTEMPTS="2",
    ) as stack:
        stack.start_worker()
        stack.send(7005, "anyone there?")
        message = finished(stack, 7005)
        assert message.status == Status.FAILED.value and message.attempts == 2
        assert message.error and "model server" in message.error
        notice = translator("en").text(T.ERROR_MODEL_UNAVAILABLE)
        assert stack.bot_messages(7005)[0]["text"] == notice


def test_queued_job_survives_a_broker_restart(
    tmp_path: Path, sandbox_url: str, sim_url: str
) -> None:
    port = free_port()
    redis_dir = tmp_path / "redis"
    broker = start_redis(port, redis_dir)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        with running_stack(
            workdir=tmp_path,
            redis_url=url,
            database_url=f"sqlite:///{tmp_path / 'restart.db'}",
            sandbox_url=sandbox_url,
            inference_url=sim_url,
            SWEEP_INTERVAL="600",  # only the broker's own persistence may bring the job back
        ) as stack:
            stack.send(7006, "are you still there?")
            wait_until(lambda: stack.user_messages(), 10, "the message to be stored")
            wait_until(lambda: _queue_length(url) == 1, 10, "the job to be queued")
            broker.terminate()
            broker.wait(10)
            broker = start_redis(port, redis_dir)
            assert _queue_length(url) == 1, "the queued job survived the restart"
            stack.start_worker()
            message = finished(stack, 7006)
            assert message.status == Status.ANSWERED.value
            assert len(stack.bot_messages(7006)) == 1
    finally:
        broker.terminate()
        broker.wait(10)


def _queue_length(url: str) -> int:
    from redis import Redis

    client = Redis.from_url(url)
    try:
        return int(client.llen("parley"))
    finally:
        client.close()


def test_group_that_became_a_supergroup_is_followed(stack: Stack, sandbox_url: str) -> None:
    group, supergroup = -7100, -1007100
    base = {"chat_type": "group", "user_id": 71}
    spec = {"method": "sendMessage", "chat_id": group, "error_code": 400}
    httpx.post(
        f"{sandbox_url}/api/faults", json={**spec, "migrate_to_chat_id": supergroup, "times": 1}
    ).raise_for_status()
    httpx.post(  # the supergroup exists in the sandbox once someone writes there
        f"{sandbox_url}/api/chats/{supergroup}/messages",
        json={"text": "hello everyone", "user_id": 72, "chat_type": "supergroup"},
    ).raise_for_status()
    stack.send(group, "/ask are you there?", **base)
    message = finished(stack, supergroup)
    assert message.status == Status.ANSWERED.value and message.chat_id == supergroup
    assert [m["text"] for m in stack.bot_messages(supergroup)]
