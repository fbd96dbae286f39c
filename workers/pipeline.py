"""The reply pipeline: load a message, build the prompt, stream the answer, deliver, store.

Plain functions over a `Runtime`; the Celery task only passes the ids in.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import update

from bot.commands import Effect, run_command
from bot.delivery.sender import ChatMovedError, DeliveryError, UserBlockedError
from bot.delivery.stream import StreamPresenter, keep_typing
from core.logging import get_logger
from core.storage import queries
from core.storage.models import Chat, Conversation, Kind, Message, User
from inference.prompt import build_messages
from inference.types import ChatMessage, Delta, Finish, InferenceError, Usage
from workers.runtime import Runtime

log = get_logger(__name__)

FAILURE_NOTICE = "Sorry, I could not answer that message ({reason}). Please try again later."


class Outcome(Enum):
    """How processing one message ended."""

    DONE = "done"
    FAILED = "failed"
    RETRY_LATER = "retry_later"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Job:
    """A claimed inbound message with what answering it needs."""

    message_id: int
    chat_id: int
    chat_type: str
    thread_id: int
    conversation_id: int
    user_id: int | None
    first_name: str | None
    kind: str
    text: str
    attempts: int


@dataclass(frozen=True)
class Answer:
    """A streamed and delivered answer with its measurements."""

    text: str
    message_ids: list[int]
    finish_reason: str | None
    usage: Usage | None
    ttft_ms: int | None
    latency_ms: int


def claim_job(rt: Runtime, message_id: int) -> Job | None:
    """Claim an open message for processing; None when it is already finished."""
    with rt.db.session() as session:
        message = queries.claim(session, message_id)
        if message is None:
            return None
        chat = session.get(Chat, message.chat_id)
        user = session.get(User, message.user_id) if message.user_id else None
        return Job(
            message_id=message.id,
            chat_id=message.chat_id,
            chat_type=chat.type if chat else "private",
            thread_id=message.thread_id,
            conversation_id=message.conversation_id,
            user_id=message.user_id,
            first_name=user.first_name if user else None,
            kind=message.kind,
            text=message.text,
            attempts=message.attempts,
        )


def process_message(rt: Runtime, message_id: int) -> Outcome:
    """Answer one inbound message, leaving it answered, failed, or pending for a retry."""
    job = claim_job(rt, message_id)
    if job is None:
        return Outcome.SKIPPED
    if job.attempts > rt.settings.max_attempts:
        return _fail(rt, job, f"gave up after {job.attempts - 1} attempts", notify=True)
    log.info("processing", message_id=job.message_id, chat_id=job.chat_id, attempt=job.attempts)
    try:
        if job.kind == Kind.COMMAND.value:
            _answer_command(rt, job)
        else:
            _answer_chat(rt, job)
        return Outcome.DONE
    except UserBlockedError:
        _set_user_inactive(rt, job.user_id)
        return _fail(rt, job, "the user blocked the bot", notify=False)
    except ChatMovedError as exc:
        _migrate_chat(rt, job.chat_id, exc.new_chat_id)
        return _retry_or_fail(rt, job, str(exc))
    except InferenceError as exc:
        if exc.retryable:
            return _retry_or_fail(rt, job, f"model server: {exc}")
        return _fail(rt, job, f"model server: {exc}", notify=True)
    except DeliveryError as exc:
        return _retry_or_fail(rt, job, f"telegram: {exc}")


def _answer_command(rt: Runtime, job: Job) -> None:
    reply = run_command(job.text, first_name=job.first_name)
    if reply.effect is Effect.NEW_CONVERSATION:
        with rt.db.session() as session:
            queries.close_conversation(session, job.chat_id, job.thread_id)
    ids = rt.run(_send_plain(rt, job, reply.text))
    _store(rt, job, queries.ReplyRecord(reply.text, Kind.COMMAND, ids[0] if ids else None))


def _answer_chat(rt: Runtime, job: Job) -> None:
    with rt.db.session() as session:
        turns = queries.history(session, job.conversation_id, job.message_id)
    plan = build_messages(
        rt.settings.system_prompt,
        turns,
        context_length=rt.context_length(),
        max_tokens=rt.settings.max_reply_tokens,
    )
    answer = rt.run(stream_answer(rt, job, plan.messages))
    usage = answer.usage
    record = queries.ReplyRecord(
        text=answer.text,
        kind=Kind.CHAT,
        telegram_message_id=answer.message_ids[0] if answer.message_ids else None,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        cached_tokens=usage.cached_tokens if usage else None,
        ttft_ms=answer.ttft_ms,
        latency_ms=answer.latency_ms,
        finish_reason=answer.finish_reason,
    )
    _store(rt, job, record)


async def stream_answer(rt: Runtime, job: Job, messages: list[ChatMessage]) -> Answer:
    """Stream the model's answer into the chat and return it with its timings."""
    await rt.bot_ready()
    presenter = StreamPresenter(
        rt.sender,
        job.chat_id,
        job.chat_type,
        job.thread_id,
        draft_id=job.message_id,
        draft_interval=rt.settings.stream_draft_interval_seconds,
        edit_interval=rt.settings.stream_edit_interval_seconds,
    )
    typing = asyncio.create_task(keep_typing(rt.sender, job.chat_id, job.thread_id))
    started = time.monotonic()
    first_token: float | None = None
    pieces: list[str] = []
    finish: Finish | None = None
    try:
        stream = rt.inference.stream_chat(
            messages,
            max_tokens=rt.settings.max_reply_tokens,
            request_id=f"parley-{job.message_id}-{job.attempts}",
            temperature=rt.settings.temperature,
        )
        async for item in stream:
            if isinstance(item, Delta):
                if first_token is None:
                    first_token = time.monotonic()
                    typing.cancel()
                pieces.append(item.text)
                await presenter.update("".join(pieces))
            else:
                finish = item
    finally:
        typing.cancel()
    text = "".join(pieces)
    ids = await presenter.finish(text)
    return Answer(
        text=text,
        message_ids=ids,
        finish_reason=finish.finish_reason if finish else None,
        usage=finish.usage if finish else None,
        ttft_ms=_ms(first_token - started) if first_token else None,
        latency_ms=_ms(time.monotonic() - started),
    )


async def _send_plain(rt: Runtime, job: Job, text: str) -> list[int]:
    await rt.bot_ready()
    presenter = StreamPresenter(
        rt.sender, job.chat_id, job.chat_type, job.thread_id, job.message_id
    )
    return await presenter.finish(text)


def _store(rt: Runtime, job: Job, record: queries.ReplyRecord) -> None:
    with rt.db.session() as session:
        inbound = session.get(Message, job.message_id)
        assert inbound is not None
        queries.store_reply(session, inbound, record)


def _fail(rt: Runtime, job: Job, reason: str, *, notify: bool) -> Outcome:
    log.warning("message_failed", message_id=job.message_id, reason=reason[:300])
    with rt.db.session() as session:
        queries.mark_failed(session, job.message_id, reason)
    if notify:
        _notify_failure(rt, job, reason)
    return Outcome.FAILED


def _notify_failure(rt: Runtime, job: Job, reason: str) -> None:
    short = "the model is unavailable" if reason.startswith("model server") else "an error"
    try:
        rt.run(_send_plain(rt, job, FAILURE_NOTICE.format(reason=short)))
    except (DeliveryError, UserBlockedError, ChatMovedError) as exc:
        log.warning("failure_notice_not_sent", message_id=job.message_id, error=str(exc)[:200])


def _retry_or_fail(rt: Runtime, job: Job, reason: str) -> Outcome:
    if job.attempts >= rt.settings.max_attempts:
        return _fail(rt, job, reason, notify=True)
    with rt.db.session() as session:
        queries.release(session, job.message_id, reason)
    return Outcome.RETRY_LATER


def _set_user_inactive(rt: Runtime, user_id: int | None) -> None:
    if user_id is None:
        return
    with rt.db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=False))


def _migrate_chat(rt: Runtime, old_id: int, new_id: int) -> None:
    """Follow a group that became a supergroup: its chat id changes."""
    with rt.db.session() as session:
        queries.upsert_chat(session, new_id, type_="supergroup", title=None)
        session.execute(update(Message).where(Message.chat_id == old_id).values(chat_id=new_id))
        session.execute(
            update(Conversation).where(Conversation.chat_id == old_id).values(chat_id=new_id)
        )


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
