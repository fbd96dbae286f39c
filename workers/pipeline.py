"""The reply pipeline: claim a message, answer it (command or model), deliver, store.

Plain functions over a `Runtime`; the Celery task only passes the ids in. Every message ends
answered (with a stored reply), failed (with its error), or back to pending for a retry.
"""

from __future__ import annotations

import time
from enum import Enum

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.commands import CommandContext, CommandReply, Effect, run_command
from bot.delivery.sender import ChatMovedError, DeliveryError, UserBlockedError
from bot.delivery.stream import StreamPresenter
from bot.i18n import texts as T
from bot.photos import PhotoUnavailableError
from core.chat_signals import ChatSignals
from core.logging import get_logger
from core.queue import QUEUE_NAME
from core.storage import policy, queries
from core.storage.models import Conversation, Kind, Message, User
from inference.prompt import PromptTooLongError
from inference.types import InferenceAuthError, InferenceError
from workers.answering import Answer, ImagesUnsupportedError, SupersededError, answer_chat
from workers.jobs import Job, claim_job
from workers.runtime import Runtime

log = get_logger(__name__)

STORE_PATIENCE_SECONDS = 300.0

ACCESS_TEXTS = {
    policy.AccessReason.BANNED: T.ERROR_BLOCKED,
    policy.AccessReason.NOT_ALLOWED: T.ERROR_NOT_ALLOWED,
    policy.AccessReason.MESSAGE_QUOTA: T.ERROR_DAILY_QUOTA,
    policy.AccessReason.TOKEN_QUOTA: T.ERROR_DAILY_QUOTA,
}


class Outcome(Enum):
    """How processing one message ended."""

    DONE = "done"
    FAILED = "failed"
    RETRY_LATER = "retry_later"
    SKIPPED = "skipped"


def process_message(rt: Runtime, message_id: int) -> Outcome:
    """Answer one inbound message, leaving it answered, failed, or pending for a retry."""
    job = claim_job(rt, message_id)
    if job is None:
        return Outcome.SKIPPED
    if job.attempts > rt.settings.max_attempts:
        return _fail(rt, job, f"gave up after {job.attempts - 1} attempts", notify=True)
    log.info("processing", message_id=job.message_id, chat_id=job.chat_id, attempt=job.attempts)
    try:
        return _answer(rt, job)
    except SupersededError:
        log.warning("superseded", message_id=job.message_id, attempt=job.attempts)
        return Outcome.SKIPPED
    except ImagesUnsupportedError:
        _send_text(rt, job, job.ui.text(T.ERROR_IMAGES_UNSUPPORTED))
        return _fail(rt, job, "refused: the model cannot read images", notify=False)
    except PhotoUnavailableError as exc:
        return _fail(rt, job, f"photo: {exc}", notify=True)
    except PromptTooLongError:
        limit = rt.context_length() * 2  # characters, roughly (about 3 bytes a token)
        _send_text(rt, job, job.ui.text(T.ERROR_MESSAGE_TOO_LONG, limit=limit))
        return _fail(rt, job, "refused: the message does not fit the model's context", notify=False)
    except UserBlockedError:
        _set_user_inactive(rt, job.user_id)
        return _fail(rt, job, "the user blocked the bot", notify=False)
    except ChatMovedError as exc:
        _migrate_chat(rt, job.chat_id, exc.new_chat_id)
        return _retry_or_fail(rt, job, str(exc))
    except InferenceError as exc:
        if isinstance(exc, InferenceAuthError):
            log.error("configuration_error", detail="the model server rejected INFERENCE_API_KEY")
        if exc.retryable:
            return _retry_or_fail(rt, job, f"model server: {exc}")
        return _fail(rt, job, f"model server: {exc}", notify=True)
    except DeliveryError as exc:
        return _retry_or_fail(rt, job, f"telegram: {exc}")
    except Exception as exc:  # a bug: keep the error with the message, retry, then give up
        log.exception("unexpected_error", message_id=job.message_id)
        return _retry_or_fail(rt, job, f"internal error: {type(exc).__name__}: {exc}")


def _answer(rt: Runtime, job: Job) -> Outcome:
    if job.kind == Kind.COMMAND.value:
        return _answer_command(rt, job)
    refusal = _refusal(rt, job)
    if refusal is not None:
        return refusal
    _store(rt, job, _record(answer_chat(rt, job, up_to_id=job.message_id), Kind.CHAT))
    return Outcome.DONE


def _refusal(rt: Runtime, job: Job) -> Outcome | None:
    """Tell a banned, unlisted or over-quota user why, instead of calling the model."""
    if job.user_id is None:
        return None
    with rt.db.session() as session:
        decision = policy.check_access(session, job.user_id, pending_message_id=job.message_id)
    if decision.allowed:
        return None
    _send_text(rt, job, job.ui.text(ACCESS_TEXTS[decision.reason]))
    return _fail(rt, job, f"refused: {decision.reason.value}", notify=False)


def _answer_command(rt: Runtime, job: Job) -> Outcome:
    stopped = job.text.startswith("/stop") and ChatSignals(rt.redis).settle_stop(job.chat_id)
    with rt.db.session() as session:
        reply = run_command(session, _command_context(rt, job, stopped), job.text)
        if reply.effect is Effect.NEW_CONVERSATION:
            queries.close_conversation(session, job.chat_id, job.thread_id)
    ids = _send_text(rt, job, reply.text, reply)
    if reply.effect is Effect.FORGOTTEN:
        return Outcome.DONE  # nothing about the user is stored any more, this reply included
    if reply.effect is Effect.RETRY:
        _retry_last_answer(rt, job)
    _store(rt, job, queries.ReplyRecord(reply.text, Kind.COMMAND, ids[0] if ids else None))
    return Outcome.DONE


def _command_context(rt: Runtime, job: Job, stopped: bool) -> CommandContext:
    return CommandContext(
        chat_id=job.chat_id,
        thread_id=job.thread_id,
        chat_type=job.chat_type,
        user_id=job.user_id or 0,
        first_name=job.first_name,
        message_id=job.message_id,
        conversation_id=job.conversation_id,
        t=job.ui,
        telegram_language=job.telegram_language,
        stopped_generation=stopped,
        queue_length=_queue_length(rt),
    )


def _retry_last_answer(rt: Runtime, job: Job) -> None:
    """Answer the last answered message again; its stored reply becomes the new answer."""
    with rt.db.session() as session:
        turn = queries.last_answered_turn(session, job.conversation_id, job.message_id)
    if turn is None:
        return
    user_message, reply = turn
    answer = answer_chat(rt, job, up_to_id=user_message.id)
    with rt.db.session() as session:
        queries.replace_reply(session, reply.id, _record(answer, Kind.CHAT))


def _record(answer: Answer, kind: Kind) -> queries.ReplyRecord:
    usage = answer.usage
    return queries.ReplyRecord(
        text=answer.text,
        kind=kind,
        telegram_message_id=answer.message_ids[0] if answer.message_ids else None,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        cached_tokens=usage.cached_tokens if usage else None,
        ttft_ms=answer.ttft_ms,
        latency_ms=answer.latency_ms,
        finish_reason=answer.finish_reason,
        language=answer.language,
    )


def _send_text(rt: Runtime, job: Job, text: str, reply: CommandReply | None = None) -> list[int]:
    async def send() -> list[int]:
        await rt.bot_ready()
        presenter = StreamPresenter(rt.sender, job.chat_id, job.chat_type, job.thread_id, 0)
        buttons = reply.buttons if reply else None
        return await presenter.finish(text, markdown=False, buttons=buttons)

    return rt.run(send())


def _store(rt: Runtime, job: Job, record: queries.ReplyRecord) -> None:
    """Store a delivered reply. The chat already has it, so a busy database is waited out:
    giving up here would let the message be answered (and delivered) a second time."""
    delay = 0.1
    deadline = time.monotonic() + STORE_PATIENCE_SECONDS
    while True:
        try:
            with rt.db.session() as session:
                inbound = session.get(Message, job.message_id)
                assert inbound is not None
                queries.store_reply(session, inbound, record)
            return
        except OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("store_retry", message_id=job.message_id, error=str(exc)[:120])
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _fail(rt: Runtime, job: Job, reason: str, *, notify: bool) -> Outcome:
    log.warning("message_failed", message_id=job.message_id, reason=reason[:300])
    with rt.db.session() as session:
        queries.mark_failed(session, job.message_id, reason)
    if notify:
        _notify_failure(rt, job, reason)
    return Outcome.FAILED


def _notify_failure(rt: Runtime, job: Job, reason: str) -> None:
    text = T.ERROR_MODEL_UNAVAILABLE if reason.startswith("model server") else T.ERROR_ANSWER_FAILED
    try:
        _send_text(rt, job, job.ui.text(text))
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


def _queue_length(rt: Runtime) -> int | None:
    try:
        return int(rt.redis.llen(QUEUE_NAME))
    except Exception:
        return None
