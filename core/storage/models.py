"""SQLAlchemy models of users, chats, conversations and messages."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (needed by SQLite batch migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    """Who wrote a message."""

    USER = "user"
    ASSISTANT = "assistant"


class Kind(enum.StrEnum):
    """Whether a message belongs to the model conversation or is a command and its answer."""

    CHAT = "chat"
    COMMAND = "command"


class Status(enum.StrEnum):
    """Lifecycle of a message.

    An inbound message goes pending -> processing -> answered | failed.
    A reply is stored as delivered (or failed, with its error).
    """

    PENDING = "pending"
    PROCESSING = "processing"
    ANSWERED = "answered"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _enum_check(column: str, values: type[enum.StrEnum]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"


class User(Base):
    """A Telegram user (the id is Telegram's)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql_text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Chat(Base):
    """A Telegram chat: private, group, supergroup (the id is Telegram's and may be negative)."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """A thread of turns sent to the model; `/new` closes it and the next message opens another."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index(
            "uq_conversations_open",
            "chat_id",
            "thread_id",
            unique=True,
            sqlite_where=sql_text("closed_at IS NULL"),
            postgresql_where=sql_text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    # Forum topic id, 0 outside topics (a NULL would escape the unique index on PostgreSQL).
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default=sql_text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How many of the oldest turns the prompt leaves out; it only grows, in large steps.
    dropped_turns: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", passive_deletes=True
    )


class TelegramUpdate(Base):
    """Every update id ever accepted, so that Telegram's redeliveries are recognised."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(Base):
    """One turn: an inbound user message or the bot's reply, with its delivery state and metrics."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(_enum_check("role", Role), name="role"),
        CheckConstraint(_enum_check("kind", Kind), name="kind"),
        CheckConstraint(_enum_check("status", Status), name="status"),
        Index("ix_messages_chat_created", "chat_id", "created_at"),
        Index("ix_messages_user_created", "user_id", "created_at"),
        Index("ix_messages_language_created", "language", "created_at"),
        Index("ix_messages_status_created", "status", "created_at"),
        Index("ix_messages_conversation_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default=sql_text("0"))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default=Kind.CHAT.value)
    text: Mapped[str] = mapped_column(Text, default="")
    # A photo is kept as Telegram's file id (a reference), never as bytes.
    image_file_id: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    # A message sent in the same burst as an earlier one is answered together with it.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cached_tokens: Mapped[int | None] = mapped_column(Integer)
    ttft_ms: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
