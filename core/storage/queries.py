"""Queries over conversations and messages used by the intake and the reply pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.storage import rollups
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


def _dialect_insert(session: Session) -> Any:
    """The INSERT construct with ON CONFLICT support of the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _insert_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists; True when a row was inserted."""
    insert = _dialect_insert(session)
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
    """Create the user or refresh their profile fields, in one statement."""
    now = utcnow()
    insert = _dialect_insert(session)
    statement = insert(User).values(
        id=user_id,
        username=username,
        first_name=first_name,
        language_code=language_code,
        is_active=True,
        created_at=now,
        last_seen_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[User.id],
        set_={
            "username": username,
            "first_name": first_name,
            "language_code": language_code,
            "last_seen_at": now,
        },
    )
    session.execute(statement)


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
    image_file_id: str | None = None


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
        image_file_id=inbound.image_file_id,
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


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation as the prompt needs it.

    For a user turn, `language` is the language its reply was asked to be in, so that the
    same hint is resent verbatim on every later turn (keeping the prompt prefix cacheable).
    """

    role: str
    text: str
    language: str | None
    image_file_id: str | None = None


def history(session: Session, conversation_id: int, up_to_id: int) -> list[Turn]:
    """The conversation's answered chat turns, oldest first, up to and including a message."""
    rows = session.execute(
        select(
            Message.role,
            Message.text,
            Message.id,
            Message.reply_to_id,
            Message.status,
            Message.language,
            Message.image_file_id,
        )
        .where(
            Message.conversation_id == conversation_id,
            Message.kind == Kind.CHAT.value,
            Message.id <= up_to_id,
        )
        .order_by(Message.id)
    ).all()
    reply_language = {
        r.reply_to_id: r.language
        for r in rows
        if r.role == Role.ASSISTANT.value and r.status == Status.DELIVERED.value
    }
    turns: list[Turn] = []
    for row in rows:
        if row.role == Role.USER.value and (row.id in reply_language or row.id == up_to_id):
            turns.append(Turn(row.role, row.text, reply_language.get(row.id), row.image_file_id))
        elif row.role == Role.ASSISTANT.value and row.status == Status.DELIVERED.value:
            turns.append(Turn(row.role, row.text, row.language))
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


def set_language(session: Session, message_id: int, language: str | None) -> None:
    """Record the detected language of a message."""
    session.execute(update(Message).where(Message.id == message_id).values(language=language))


def burst_followers(session: Session, first: Message, window: timedelta) -> list[Message]:
    """Open chat messages the same user sent right after `first`, each within `window` of the
    previous one (Telegram splits a long paste into several messages)."""
    candidates = session.scalars(
        select(Message)
        .where(
            Message.chat_id == first.chat_id,
            Message.thread_id == first.thread_id,
            Message.id > first.id,
            Message.role == Role.USER.value,
            Message.status == Status.PENDING.value,
        )
        .order_by(Message.id)
        .limit(20)
    ).all()
    followers: list[Message] = []
    previous = first
    for message in candidates:
        same_sender = message.user_id == first.user_id and message.kind == Kind.CHAT.value
        if not same_sender or message.created_at - previous.created_at > window:
            break
        followers.append(message)
        previous = message
    return followers


def merge_into(session: Session, first_id: int, followers: list[Message], text: str) -> None:
    """Fold a burst into its first message: it carries the joined text, the rest point to it."""
    session.execute(update(Message).where(Message.id == first_id).values(text=text))
    for message in followers:
        session.execute(
            update(Message)
            .where(Message.id == message.id)
            .values(merged_into_id=first_id, status=Status.ANSWERED.value, completed_at=utcnow())
        )


def last_answered_turn(
    session: Session, conversation_id: int, before_id: int
) -> tuple[Message, Message] | None:
    """The newest chat message of a conversation with a delivered reply, and that reply."""
    user = session.scalar(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.role == Role.USER.value,
            Message.kind == Kind.CHAT.value,
            Message.status == Status.ANSWERED.value,
            Message.merged_into_id.is_(None),
            Message.id < before_id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if user is None:
        return None
    reply = session.scalar(select(Message).where(Message.reply_to_id == user.id))
    return (user, reply) if reply is not None else None


def replace_reply(session: Session, reply_id: int, record: ReplyRecord) -> None:
    """Put a regenerated answer in place of an earlier reply (the history shows the latest)."""
    session.execute(
        update(Message)
        .where(Message.id == reply_id)
        .values(
            text=record.text,
            telegram_message_id=record.telegram_message_id,
            prompt_tokens=record.prompt_tokens,
            completion_tokens=record.completion_tokens,
            cached_tokens=record.cached_tokens,
            ttft_ms=record.ttft_ms,
            latency_ms=record.latency_ms,
            finish_reason=record.finish_reason,
            completed_at=utcnow(),
        )
    )


def usage_since(session: Session, user_id: int, since: datetime) -> tuple[int, int]:
    """A user's messages and tokens (prompt + completion of the replies) since a time."""
    messages = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.user_id == user_id, Message.created_at >= since)
    )
    reply = Message.__table__.alias("reply")
    tokens = session.scalar(
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(reply.c.prompt_tokens, 0)
                    + func.coalesce(reply.c.completion_tokens, 0)
                ),
                0,
            )
        )
        .select_from(Message)
        .join(reply, reply.c.reply_to_id == Message.id)
        .where(Message.user_id == user_id, Message.created_at >= since)
    )
    return int(messages or 0), int(tokens or 0)


def forget_user(session: Session, user_id: int) -> None:
    """Delete everything stored about a user: their private chat, messages and profile.

    Replies to their messages go with them (ON DELETE CASCADE on reply_to_id), and the
    dashboard's rollups of the days they were active are recomputed without them.
    """
    rollups.forget_user(session, user_id)
    session.execute(delete(Chat).where(Chat.id == user_id))
    session.execute(delete(Message).where(Message.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))


def note_dropped_turns(session: Session, conversation_id: int, dropped: int) -> bool:
    """Record a new cut point of a conversation; True when it moved (the user is told once)."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.dropped_turns < dropped)
        .values(dropped_turns=dropped)
    )
    return bool(getattr(result, "rowcount", 0))


def conversation_dropped_turns(session: Session, conversation_id: int) -> int:
    """The conversation's current cut point."""
    value = session.scalar(
        select(Conversation.dropped_turns).where(Conversation.id == conversation_id)
    )
    return int(value or 0)


def today_summary(session: Session, since: datetime) -> dict[str, int]:
    """Active users, inbound messages and reply tokens since a time (for /stats)."""
    users = session.scalar(
        select(func.count(func.distinct(Message.user_id))).where(
            Message.role == Role.USER.value, Message.created_at >= since
        )
    )
    messages = session.scalar(
        select(func.count()).where(Message.role == Role.USER.value, Message.created_at >= since)
    )
    tokens = session.scalar(
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(Message.prompt_tokens, 0)
                    + func.coalesce(Message.completion_tokens, 0)
                ),
                0,
            )
        ).where(Message.role == Role.ASSISTANT.value, Message.created_at >= since)
    )
    return {"users": int(users or 0), "messages": int(messages or 0), "tokens": int(tokens or 0)}


def still_claimed(session: Session, message_id: int, attempt: int) -> bool:
    """True while the message is still being processed by the given attempt (a fencing check:
    if the chat lock was lost and another worker claimed the message, its attempt is newer)."""
    row = session.execute(
        select(Message.status, Message.attempts).where(Message.id == message_id)
    ).first()
    return row is not None and row.status == Status.PROCESSING.value and row.attempts == attempt
