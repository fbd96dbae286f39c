"""Build small, exact datasets for the admin tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from core.storage.models import Chat, Conversation, Message, User

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_update_ids = itertools.count(10**12)  # far above what admin.seed hands out


def add_user(session: Session, user_id: int, username: str | None = None,
             language: str | None = "en", seen: datetime = NOW) -> User:
    """A user and their private chat."""
    user = User(id=user_id, username=username, first_name=f"First{user_id}",
                language_code=language, created_at=seen - timedelta(days=30), last_seen_at=seen)
    session.add_all([user, Chat(id=user_id, type="private", created_at=seen)])
    session.flush()
    return user


def open_conversation(session: Session, chat_id: int, at: datetime = NOW) -> Conversation:
    """A closed conversation in the chat (closed so that several may exist)."""
    conversation = Conversation(chat_id=chat_id, created_at=at, closed_at=at + timedelta(hours=1))
    session.add(conversation)
    session.flush()
    return conversation


@dataclass
class Exchange:
    """An inbound message and its reply (None when none was stored)."""

    inbound: Message
    reply: Message | None


def add_exchange(
    session: Session, conversation: Conversation, user_id: int, text: str, *,
    at: datetime = NOW, language: str | None = "en", status: str = "answered",
    reply_status: str | None = "delivered", reply_text: str = "ok", prompt: int = 100,
    completion: int = 50, cached: int = 20, ttft: int | None = 300, latency: int | None = 1000,
    error: str | None = None, kind: str = "chat", attempts: int = 1,
) -> Exchange:
    """Store a user message and (unless reply_status is None) the bot's reply."""
    inbound = Message(
        conversation_id=conversation.id, chat_id=conversation.chat_id, user_id=user_id,
        role="user", kind=kind, text=text, language=language, status=status,
        update_id=next(_update_ids), created_at=at, attempts=attempts,
        error=error if status == "failed" else None,
    )
    session.add(inbound)
    session.flush()
    reply = None
    if reply_status is not None:
        failed = reply_status == "failed"
        reply = Message(
            conversation_id=conversation.id, chat_id=conversation.chat_id, user_id=None,
            role="assistant", kind=kind, text="" if failed else reply_text, language=language,
            status=reply_status, reply_to_id=inbound.id, created_at=at + timedelta(seconds=1),
            prompt_tokens=None if failed else prompt,
            completion_tokens=None if failed else completion,
            cached_tokens=None if failed else cached, ttft_ms=None if failed else ttft,
            latency_ms=None if failed else latency, finish_reason=None if failed else "stop",
            error=error if failed else None, attempts=attempts,
        )
        session.add(reply)
        session.flush()
    return Exchange(inbound, reply)
