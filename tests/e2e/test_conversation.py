"""The conversation in Telegram end to end: commands, languages, groups and topics, /stop,
/retry, /forget, personas, the context cut notice, against the sandbox and the simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.i18n import language_name, translator
from bot.i18n import texts as T
from bot.sandbox import SandboxConfig
from core.settings import SANDBOX_TOKEN
from core.storage import policy
from core.storage.admin_models import Persona, UserRole
from core.storage.models import Conversation, Message, Status, User
from tests.fixtures.inference import running_simulator
from tests.fixtures.sandbox import running_sandbox
from tests.fixtures.stack import Stack, running_stack, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_simulator(content="echo", output_tokens=60, speed=5.0) as url:
        yield url


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, sandbox_url: str, sim_url: str
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("conversation")
    with running_stack(
        workdir=workdir,
        redis_url=redis_url,
        database_url=f"sqlite:///{workdir / 'e2e.db'}",
        sandbox_url=sandbox_url,
        inference_url=sim_url,
    ) as running:
        running.start_worker()
        yield running


def settle(stack: Stack, chat_id: int) -> list[dict[str, Any]]:
    """Wait until every inbound message of the chat is finished; the bot's messages."""

    def done() -> bool:
        mine = [m for m in stack.user_messages() if m.chat_id == chat_id]
        return bool(mine) and all(m.status in ("answered", "failed") for m in mine)

    wait_until(done, 60, f"chat {chat_id} to settle")
    return stack.bot_messages(chat_id)


def say(stack: Stack, chat_id: int, text: str, **fields: Any) -> list[dict[str, Any]]:
    """Send a message, wait until it is handled, return the bot's messages so far."""
    update_id = stack.send(chat_id, text, **fields)["update_id"]
    wait_until(lambda: stack.stored(update_id), 30, f"update {update_id} to be stored")
    return settle(stack, chat_id)


def sim_requests(sim_url: str) -> list[dict[str, Any]]:
    stats = httpx.get(f"{sim_url}/_sim/stats").json()
    requests: list[dict[str, Any]] = stats["recent"]
    return requests


def test_start_help_new_and_usage(stack: Stack) -> None:
    chat = 8001
    en = translator("en")
    bot = say(stack, chat, "/start", first_name="Ada", language_code="en")
    assert bot[-1]["text"].startswith("Hello, Ada!")
    bot = say(stack, chat, "/help", language_code="en")
    assert bot[-1]["text"] == en.text(T.HELP_TEXT)
    say(stack, chat, "Hello there")
    bot = say(stack, chat, "/new")
    assert bot[-1]["text"] == en.text(T.NEW_CONVERSATION)
    say(stack, chat, "A fresh start")
    with stack.db.session() as s:
        conversations = s.scalars(select(Conversation).where(Conversation.chat_id == chat)).all()
    assert len(conversations) >= 2 and sum(c.closed_at is None for c in conversations) == 1
    bot = say(stack, chat, "/usage")
    assert "messages" in bot[-1]["text"] and "tokens" in bot[-1]["text"]


def test_commands_are_registered_in_every_ui_language(stack: Stack) -> None:
    calls = stack.calls("setMyCommands")
    languages = {str(c["params"].get("language_code", "")) for c in calls}
    assert {"", "en", "de", "ar", "th", "zh", "ja", "uk"} <= languages


def test_language_is_detected_stored_and_hinted_to_the_model(stack: Stack, sim_url: str) -> None:
    chat = 8002
    say(stack, chat, "Wie spät ist es gerade in Berlin, und wie wird das Wetter morgen?")
    [message] = [m for m in stack.user_messages() if m.chat_id == chat]
    assert message.language == "de"
    last = [r for r in sim_requests(sim_url) if "Berlin" in str(r.get("body"))][-1]
    user_turn = last["body"]["messages"][-1]["content"]
    assert user_turn.endswith("(Reply in German.)")
    system = last["body"]["messages"][0]["content"]
    assert "German" not in system, "the hint travels with the user turn, not the system prompt"


def test_lang_sets_the_ui_language_and_auto_goes_back(stack: Stack) -> None:
    chat = 8003
    bot = say(stack, chat, "/lang", language_code="en")
    assert bot[-1]["text"] == translator("en").text(T.LANG_PROMPT)
    assert bot[-1].get("reply_markup"), "the choices come as buttons"
    bot = say(stack, chat, "/lang de", language_code="en")
    assert bot[-1]["text"] == translator("de").text(T.LANG_SET, language=language_name("de", "de"))
    bot = say(stack, chat, "/help", language_code="en")
    assert bot[-1]["text"] == translator("de").text(T.HELP_TEXT)
    bot = say(stack, chat, "/lang auto", language_code="en")
    assert bot[-1]["text"] == translator("en").text(T.LANG_AUTO)


def test_forget_asks_first_then_deletes_everything(stack: Stack, sandbox_url: str) -> None:
    chat = 8004
    say(stack, chat, "Remember that my cat is called Miso.")
    bot = say(stack, chat, "/forget")
    assert bot[-1]["text"] == translator("en").text(T.FORGET_CONFIRM)
    with stack.db.session() as s:
        assert s.get(User, chat) is not None
    press = {"message_id": bot[-1]["message_id"], "data": "forget:yes", "user_id": chat}
    httpx.post(f"{sandbox_url}/api/chats/{chat}/callback_queries", json=press).raise_for_status()
    wait_until(
        lambda: stack.bot_messages(chat)[-1]["text"] == translator("en").text(T.FORGET_DONE),
        30,
        "the deletion to be confirmed",
    )
    with stack.db.session() as s:
        assert s.get(User, chat) is None
        assert s.scalars(select(Message).where(Message.chat_id == chat)).all() == []


def test_retry_answers_the_last_message_again(stack: Stack, sim_url: str) -> None:
    chat = 8005
    say(stack, chat, "Tell me about owls")
    before = len(sim_requests(sim_url))
    bot = say(stack, chat, "/retry")
    assert bot[-2]["text"] == translator("en").text(T.RETRY_STARTED)
    assert len(bot) == 3 and "owls" in bot[-1]["text"]
    assert len(sim_requests(sim_url)) == before + 1
    [question] = [m for m in stack.user_messages() if m.chat_id == chat and m.kind == "chat"]
    [reply] = [r for r in stack.replies() if r.reply_to_id == question.id]
    assert reply.telegram_message_id == bot[-1]["message_id"], "the stored reply is the new one"


def test_stop_cancels_the_answer_being_generated(tmp_path: Path, redis_url: str) -> None:
    # Its own sandbox: a second web app registering its webhook would take the shared one over.
    with (
        running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as own_sandbox,
        running_simulator(output_tokens=400, speed=0.2) as slow_url,
        running_stack(
            workdir=tmp_path,
            redis_url=redis_url,
            database_url=f"sqlite:///{tmp_path / 'stop.db'}",
            sandbox_url=own_sandbox,
            inference_url=slow_url,
        ) as slow,
    ):
        slow.start_worker()
        chat = 8006
        slow.send(chat, "Write a very long essay")
        wait_until(
            lambda: [
                c
                for c in slow.calls("sendMessageDraft")
                if str(c["params"]["chat_id"]) == str(chat)
            ],
            30,
            "the answer to start streaming",
        )
        slow.send(chat, "/stop")
        bot = settle(slow, chat)
        assert bot[-1]["text"] == translator("en").text(T.STOP_DONE)
        [question] = [m for m in slow.user_messages() if m.chat_id == chat and m.kind == "chat"]
        [reply] = [r for r in slow.replies() if r.reply_to_id == question.id]
        assert reply.finish_reason == "stopped" and question.status == Status.ANSWERED.value
        stats = httpx.get(f"{slow_url}/_sim/stats").json()
        assert stats["aborted"] >= 1, "closing the stream made the server drop the request"
        bot = say(slow, chat, "/stop")
        assert bot[-1]["text"] == translator("en").text(T.STOP_NOTHING)


def test_groups_answer_only_when_addressed_and_keep_topics_apart(stack: Stack) -> None:
    group = -8100
    base = {"chat_type": "supergroup", "user_id": 42, "first_name": "Bea"}
    stack.send(group, "people chatting among themselves", **base)
    bot = say(stack, group, "/ask what is a topic?", **base)
    assert len(bot) == 1
    say(stack, group, "@parley_sandbox_bot and in a topic?", message_thread_id=7, **base)
    bot = say(stack, group, "a reply to the bot", reply_to_message_id=bot[0]["message_id"], **base)
    assert len(bot) == 3
    with stack.db.session() as s:
        stored = s.scalars(select(Message).where(Message.chat_id == group)).all()
        topics = s.scalars(
            select(Conversation.thread_id).where(Conversation.chat_id == group)
        ).all()
    assert "people chatting among themselves" not in [m.text for m in stored]
    assert sorted(topics) == [0, 7]
    in_topic = [m for m in stack.bot_messages(group) if m.get("message_thread_id") == 7]
    assert len(in_topic) == 1


def test_persona_from_mode_becomes_the_system_prompt(stack: Stack, sim_url: str) -> None:
    with stack.db.session() as s:
        s.add(Persona(name="Pirate", system_prompt="You are a pirate. Say arr.", enabled=True))
    chat = 8007
    bot = say(stack, chat, "/mode")
    assert bot[-1].get("reply_markup")
    bot = say(stack, chat, "/mode pirate")
    assert bot[-1]["text"] == translator("en").text(T.MODE_SET, name="Pirate")
    say(stack, chat, "Hello captain")
    last = [r for r in sim_requests(sim_url) if "captain" in str(r.get("body"))][-1]
    assert last["body"]["messages"][0]["content"] == "You are a pirate. Say arr."


def test_banned_user_is_told_and_nothing_reaches_the_model(stack: Stack, sim_url: str) -> None:
    chat = 8008
    with stack.db.session() as s:
        policy.set_banned(s, chat, True)
    before = len(sim_requests(sim_url))
    bot = say(stack, chat, "let me in")
    assert bot[-1]["text"] == translator("en").text(T.ERROR_BLOCKED)
    assert len(sim_requests(sim_url)) == before
    [message] = [m for m in stack.user_messages() if m.chat_id == chat]
    assert message.status == Status.FAILED.value and message.error == "refused: banned"
    time.sleep(0)  # ban lifted without a restart:
    with stack.db.session() as s:
        policy.set_banned(s, chat, False)
    bot = say(stack, chat, "let me in now")
    assert "let me in now" in bot[-1]["text"]


def test_stats_is_for_admins_only(stack: Stack) -> None:
    chat = 8009
    bot = say(stack, chat, "/stats")
    assert bot[-1]["text"] == translator("en").text(T.STATS_ADMINS_ONLY)
    with stack.db.session() as s:
        policy.set_role(s, chat, UserRole.ADMIN)
    bot = say(stack, chat, "/stats")
    assert "Active users" in bot[-1]["text"] and "Queue length" in bot[-1]["text"]


def test_blocked_bot_marks_the_user_inactive(stack: Stack, sandbox_url: str) -> None:
    chat = 8010
    say(stack, chat, "hello")
    spec = {"method": "*", "chat_id": chat, "error_code": 403, "times": 5}
    httpx.post(f"{sandbox_url}/api/faults", json=spec).raise_for_status()
    say(stack, chat, "are you there?")
    httpx.delete(f"{sandbox_url}/api/faults")
    last = [m for m in stack.user_messages() if m.chat_id == chat][-1]
    assert last.status == Status.FAILED.value and last.error == "the user blocked the bot"
    with stack.db.session() as s:
        user = s.get(User, chat)
        assert user is not None and user.is_active is False


def test_a_long_conversation_is_cut_in_large_steps_and_the_user_told(
    tmp_path: Path, redis_url: str
) -> None:
    with (
        running_sandbox(SandboxConfig(token=SANDBOX_TOKEN)) as own_sandbox,
        running_simulator(context_length=3000, output_tokens=20, speed=10.0) as small,
        running_stack(
            workdir=tmp_path,
            redis_url=redis_url,
            database_url=f"sqlite:///{tmp_path / 'cut.db'}",
            sandbox_url=own_sandbox,
            inference_url=small,
        ) as cut,
    ):
        cut.start_worker()
        chat = 8011
        turns = 12
        for i in range(turns):
            say(cut, chat, f"Turn {i}: " + "tell me more about rivers and the sea " * 15)
        notice = translator("en").text(T.NOTICE_CONTEXT_SHORTENED)
        texts = [m["text"] for m in cut.bot_messages(chat)]
        notices = texts.count(notice)
        # About 1,800 tokens of budget and ~250 tokens a turn: a cut every few turns, each
        # dropping many turns at once (never a window sliding by one turn).
        assert 1 <= notices <= 3, "told when the history is cut, not on every turn"
        assert len(texts) - notices == turns, "every turn still got its answer"
        with cut.db.session() as s:
            [conversation] = s.scalars(select(Conversation).where(Conversation.chat_id == chat))
        assert conversation.dropped_turns >= 8
