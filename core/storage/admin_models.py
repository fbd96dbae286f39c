"""Tables of the admin dashboard and of the bot's access policy (accounts, personas, quotas)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models import Base, Message, User, utcnow


class AdminRole(enum.StrEnum):
    """What a dashboard account may do: everything, or only look."""

    ADMIN = "admin"
    VIEWER = "viewer"


class UserRole(enum.StrEnum):
    """A Telegram user's role: admins get `/stats` and skip the allow-list and quotas."""

    USER = "user"
    ADMIN = "admin"


def _check_in(column: str, values: type[enum.StrEnum]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"


class AdminAccount(Base):
    """A dashboard login; the password is stored only as an argon2 hash."""

    __tablename__ = "admin_accounts"
    __table_args__ = (CheckConstraint(_check_in("role", AdminRole), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=AdminRole.ADMIN.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AdminSession(Base):
    """A signed-in browser; the cookie holds a random token and only its SHA-256 is stored."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))


class LoginAttempt(Base):
    """One login attempt, kept for a day so that failures can be rate-limited across processes."""

    __tablename__ = "admin_login_attempts"
    __table_args__ = (
        Index("ix_admin_login_attempts_username_created", "username", "created_at"),
        Index("ix_admin_login_attempts_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Persona(Base):
    """A system prompt that `/mode` offers, edited in the dashboard."""

    __tablename__ = "personas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    system_prompt: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql_text("true"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserPolicy(Base):
    """Per-user access policy and preferences, read by the bot on every message.

    `user_id` is the Telegram user id; there is deliberately no foreign key to `users`, so that
    an operator can allow-list or ban an id before that user has ever written to the bot.
    A NULL quota means "use the default from bot_settings" (and no default means unlimited).
    """

    __tablename__ = "user_policies"
    __table_args__ = (CheckConstraint(_check_in("role", UserRole), name="role"),)

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    role: Mapped[str] = mapped_column(
        String(16), default=UserRole.USER.value, server_default=UserRole.USER.value
    )
    daily_message_quota: Mapped[int | None] = mapped_column(Integer)
    daily_token_quota: Mapped[int | None] = mapped_column(Integer)
    ui_language: Mapped[str | None] = mapped_column(String(16))
    persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("personas.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BotSetting(Base):
    """A bot setting changed at run time: allow-list mode, default quotas, token prices."""

    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Indexes on the conversation tables that the dashboard's time-range queries need (migration 0002).
MESSAGES_CREATED_INDEX = Index("ix_messages_created_at", Message.__table__.c.created_at)
USERS_LAST_SEEN_INDEX = Index("ix_users_last_seen_at", User.__table__.c.last_seen_at)


# ------------------------------------------------------- dashboard rollups (migration 0005)
# Derived data, rebuilt from `messages` by core/storage/rollups.py; safe to delete at any time.


class DailyInbound(Base):
    """Per UTC day and language: inbound chat messages, and the replies to them (rollup)."""

    __tablename__ = "admin_daily_inbound"
    __table_args__ = (Index("ix_admin_daily_inbound_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(16))
    messages: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)
    latency_hist: Mapped[str] = mapped_column(Text)
    ttft_hist: Mapped[str] = mapped_column(Text)


class DailyReplies(Base):
    """Per UTC day of the reply: chat replies, their tokens and latency histograms (rollup)."""

    __tablename__ = "admin_daily_replies"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    replies: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)
    cached_tokens: Mapped[int] = mapped_column(BigInteger)
    latency_hist: Mapped[str] = mapped_column(Text)
    ttft_hist: Mapped[str] = mapped_column(Text)


class DailyUser(Base):
    """One user who sent messages of a kind and language on a UTC day (rollup, exact sets)."""

    __tablename__ = "admin_daily_users"
    __table_args__ = (
        Index("ix_admin_daily_users_day", "day", "kind", "language", "user_id"),
        Index("ix_admin_daily_users_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))


class RollupDay(Base):
    """A UTC day whose rollup rows exist, when they were computed, and its latest reply.

    `last_reply_at` is the latest creation time of a reply to the day's inbound chat messages
    (None: none had a reply); it bounds the replies a partial day joins when read live.
    """

    __tablename__ = "admin_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
