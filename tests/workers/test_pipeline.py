"""The reply pipeline against real parts (sandbox, simulator, Redis, SQLite), without Celery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.sandbox import SandboxConfig
from core.settings import SANDBOX_TOKEN, Settings
from core.storage import queries
from core.storage.migrate import upgrade
from core.storage.models import Kind, Status
from tests.fixtures.inference import running_simulator
from tests.fixtures.sandbox import running_sandbox
from workers.answering import SupersededError, answer_chat
from workers.jobs import claim_job
from workers.pipeline import Outcome, process_message
from workers.runtime import Runtime


@pytest.fixture
def runtime(tmp_path: Path, redis_url: str) -> Iterator[tuple[Runtime, str]]:
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(db_url)
    with running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as sandbox, running_simulator(
        output_tokens=20, speed=10.0
    ) as sim:
        settings = Settings(
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            INFERENCE_URL=sim,
            TELEGRAM_BOT_TOKEN=SANDBOX_TOKEN,
            TELEGRAM_API_URL=sandbox,
            DATA_DIR=str(tmp_path),
        )
        rt = Runtime(settings)
        try:
            yield rt, sandbox
        finally:
            rt.close()


def inbound(rt: Runtime, sandbox: str, chat_id: int, text: str) -> int:
    httpx.post(f"{sandbox}/api/chats/{chat_id}/messages", json={"text": "hi", "user_id": chat_id})
    with rt.db.session() as s:
        message = queries.add_inbound(
            s,
            queries.Inbound(
                update_id=chat_id * 10,
                chat_id=chat_id,
                chat_type="private",
                chat_title=None,
                thread_id=0,
                user_id=chat_id,
                username=None,
                first_name="Ada",
                language_code="en",
                telegram_message_id=1,
                text=text,
                kind=Kind.CHAT,
            ),
        )
        return message.id


def bot_messages(sandbox: str, chat_id: int) -> list[dict[str, object]]:
    data = httpx.get(f"{sandbox}/api/chats/{chat_id}/messages").json()["messages"]
    return [m for m in data if m["from"] == "bot"]


def test_answer_is_stored_with_its_measurements(runtime: tuple[Runtime, str]) -> None:
    rt, sandbox = runtime
    message_id = inbound(rt, sandbox, 9001, "Hello!")
    assert process_message(rt, message_id) is Outcome.DONE
    assert process_message(rt, message_id) is Outcome.SKIPPED, "a redelivered job is a no-op"
    with rt.db.session() as s:
        [turn_user, turn_reply] = queries.history(s, 1, message_id + 1)
        counts = queries.count_by_status(s)
    assert turn_user.text == "Hello!" and turn_reply.role == "assistant"
    assert counts == {Status.ANSWERED.value: 1, Status.DELIVERED.value: 1}
    assert len(bot_messages(sandbox, 9001)) == 1


def test_a_superseded_attempt_sends_no_final_message(runtime: tuple[Runtime, str]) -> None:
    rt, sandbox = runtime
    message_id = inbound(rt, sandbox, 9002, "Hello?")
    first = claim_job(rt, message_id)
    assert first is not None
    with rt.db.session() as s:  # the chat lock expired and another worker claimed it
        assert queries.claim(s, message_id) is not None
    with pytest.raises(SupersededError):
        answer_chat(rt, first, up_to_id=message_id)
    assert bot_messages(sandbox, 9002) == []
