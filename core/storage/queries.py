"""Queries over conversations and messages used by the intake and the reply pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.storage.models import (
    Chat,
    Conversation,
    Kind,
    Message,
    Role,
    Status,
    TelegramUpdate,
    User,
    utcnow,
)

OPEN_STATUSES = (Status.PENDING.value, Status.PROCESSING.value)


def _insert_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists; True when a row was inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(model.__table__.primary_key.columns))
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


def record_update(session: Session, update_id: int, kind: str) -> bool:
    """Remember an update id; False when it was seen before (a Telegram redelivery)."""
    return _insert_ignore(
        session, TelegramUpdate, {"update_id": update_id, "kind": kind, "received_at": utcnow()}
    )


def upsert_user(
    session: Session,
    user_id: int,
    *,
    username: str | None,
    first_name: str | None,
    language_code: str | None,
) -> None:
    """Create the user or refresh their profile fields."""
    now = utcnow()
    inserted = _insert_ignore(
        session,
        User,
        {
            "id": user_id,
            "username": username,
            "first_name": first_name,
            "language_code": language_code,
            "is_active": True,
            "created_at": now,
            "last_seen_at": now,
        },
    )
    if not inserted:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                username=username,
                first_name=first_name,
                language_code=language_code,
                last_seen_at=now,
            )
        )


def upsert_chat(session: Session, chat_id: int, *, type_: str, title: str | None) -> None:
    """Create the chat row if it is new."""
    _insert_ignore(
        session, Chat, {"id": chat_id, "type": type_, "title": title, "created_at": utcnow()}
    )


def open_conversation(session: Session, chat_id: int, thread_id: int = 0) -> Conversation:
    """The chat's open conversation (per forum topic), created when there is none."""
    found = session.scalar(
        select(Conversation).where(
            Conversation.chat_id == chat_id,
            Conversation.thread_id == thread_id,
            Conversation.closed_at.is_(None),
        )
    )
    if found is not None:
        return found
    _insert_ignore(
        session,
        Conversation,
        {"chat_id": chat_id, "thread_id": thread_id, "created_at": utcnow()},
    )
    created = session.scalar(
        select(Conversation).where(
            Conversation.chat_id == chat_id,
            Conversation.thread_id == thread_id,
            Conversation.closed_at.is_(None),
        )
    )
    assert created is not None
    return created


def close_conversation(session: Session, chat_id: int, thread_id: int = 0) -> bool:
    """Close the open conversation of a chat (topic); True when there was one."""
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.chat_id == chat_id,
            Conversation.thread_id == thread_id,
            Conversation.closed_at.is_(None),
        )
        .values(closed_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class Inbound:
    """An inbound user message as the intake extracted it from an update."""

    update_id: int
    chat_id: int
    chat_type: str
    chat_title: str | None
    thread_id: int
    user_id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    telegram_message_id: int
    text: str
    kind: Kind


def add_inbound(session: Session, inbound: Inbound) -> Message:
    """Store an inbound message as pending work in the chat's open conversation."""
    upsert_user(
        session,
        inbound.user_id,
        username=inbound.username,
        first_name=inbound.first_name,
        language_code=inbound.language_code,
    )
    upsert_chat(session, inbound.chat_id, type_=inbound.chat_type, title=inbound.chat_title)
    conversation = open_conversation(session, inbound.chat_id, inbound.thread_id)
    message = Message(
        conversation_id=conversation.id,
        chat_id=inbound.chat_id,
        thread_id=inbound.thread_id,
        user_id=inbound.user_id,
        role=Role.USER.value,
        kind=inbound.kind.value,
        text=inbound.text,
        status=Status.PENDING.value,
        update_id=inbound.update_id,
        telegram_message_id=inbound.telegram_message_id,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def next_open_message(session: Session, chat_id: int) -> Message | None:
    """The oldest inbound message of a chat that still awaits its answer."""
    return session.scalar(
        select(Message)
        .where(
            Message.chat_id == chat_id,
            Message.role == Role.USER.value,
            Message.status.in_(OPEN_STATUSES),
        )
        .order_by(Message.id)
        .limit(1)
    )


def claim(session: Session, message_id: int) -> Message | None:
    """Mark an open message as being processed and count the attempt; None if already done."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(OPEN_STATUSES))
        .values(status=Status.PROCESSING.value, attempts=Message.attempts + 1)
    )
    if not getattr(result, "rowcount", 0):
        return None
    return session.get(Message, message_id, populate_existing=True)


def history(session: Session, conversation_id: int, up_to_id: int) -> list[tuple[str, str]]:
    """The conversation's answered chat turns, oldest first, up to and including a message."""
    rows = session.execute(
        select(Message.role, Message.text, Message.id, Message.reply_to_id, Message.status)
        .where(
            Message.conversation_id == conversation_id,
            Message.kind == Kind.CHAT.value,
            Message.id <= up_to_id,
        )
        .order_by(Message.id)
    ).all()
    answered = {r.reply_to_id for r in rows if r.role == Role.ASSISTANT.value}
    turns: list[tuple[str, str]] = []
    for row in rows:
        kept_user = row.role == Role.USER.value and (row.id in answered or row.id == up_to_id)
        kept_reply = row.role == Role.ASSISTANT.value and row.status == Status.DELIVERED.value
        if kept_user or kept_reply:
            turns.append((row.role, row.text))
    return turns


@dataclass(frozen=True)
class ReplyRecord:
    """What the pipeline learned while answering, to be stored with the reply."""

    text: str
    kind: Kind
    telegram_message_id: int | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    ttft_ms: int | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None
    language: str | None = None


def store_reply(session: Session, inbound: Message, reply: ReplyRecord) -> Message:
    """Store the delivered reply and mark the inbound message answered (idempotent)."""
    existing = session.scalar(select(Message).where(Message.reply_to_id == inbound.id))
    if existing is not None:
        return existing
    message = Message(
        conversation_id=inbound.conversation_id,
        chat_id=inbound.chat_id,
        thread_id=inbound.thread_id,
        user_id=None,
        role=Role.ASSISTANT.value,
        kind=reply.kind.value,
        text=reply.text,
        language=reply.language,
        status=Status.DELIVERED.value,
        telegram_message_id=reply.telegram_message_id,
        reply_to_id=inbound.id,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        cached_tokens=reply.cached_tokens,
        ttft_ms=reply.ttft_ms,
        latency_ms=reply.latency_ms,
        finish_reason=reply.finish_reason,
        created_at=utcnow(),
        completed_at=utcnow(),
    )
    session.add(message)
    session.execute(
        update(Message)
        .where(Message.id == inbound.id)
        .values(status=Status.ANSWERED.value, completed_at=utcnow(), error=None)
    )
    session.flush()
    return message


def mark_failed(session: Session, message_id: int, error: str) -> None:
    """Record that a message could not be answered, with the reason."""
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=Status.FAILED.value, error=error[:2000], completed_at=utcnow())
    )


def release(session: Session, message_id: int, error: str) -> None:
    """Put a message back to pending after a transient failure, keeping the error seen."""
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == Status.PROCESSING.value)
        .values(status=Status.PENDING.value, error=error[:2000])
    )


def chats_with_open_work(session: Session, older_than: timedelta) -> list[int]:
    """Chats holding messages still open after `older_than` (lost jobs to re-enqueue)."""
    cutoff: datetime = utcnow() - older_than
    rows = session.execute(
        select(Message.chat_id)
        .where(Message.status.in_(OPEN_STATUSES), Message.created_at < cutoff)
        .group_by(Message.chat_id)
    )
    return [row[0] for row in rows]


def count_by_status(session: Session) -> dict[str, int]:
    """How many messages are in each status (for metrics and tests)."""
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
    return {status: count for status, count in rows}
