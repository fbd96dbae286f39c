"""Access policy and preferences the bot reads from the database on every message.

Everything here takes a Session, so a change made in the dashboard applies to the next message
without a restart. The day of a daily quota is the UTC day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.storage.admin_models import BotSetting, Persona, UserPolicy, UserRole
from core.storage.models import Kind, Message, Role, utcnow

ALLOWLIST_MODE = "allowlist_mode"
DEFAULT_DAILY_MESSAGES = "default_daily_message_quota"
DEFAULT_DAILY_TOKENS = "default_daily_token_quota"


class AccessReason(enum.StrEnum):
    """Why a message is accepted or refused."""

    ALLOWED = "allowed"
    BANNED = "banned"
    NOT_ALLOWED = "not_on_allowlist"
    MESSAGE_QUOTA = "daily_message_quota"
    TOKEN_QUOTA = "daily_token_quota"  # noqa: S105 (a reason, not a secret)


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """The answer of check_access; for a quota refusal, `limit` and `used` say by how much."""

    reason: AccessReason
    limit: int | None = None
    used: int | None = None

    @property
    def allowed(self) -> bool:
        """True when the message may go to the model."""
        return self.reason is AccessReason.ALLOWED


@dataclass(frozen=True, slots=True)
class PersonaInfo:
    """A persona as the bot's `/mode` shows it."""

    id: int
    name: str
    system_prompt: str


@dataclass(frozen=True, slots=True)
class UserPrefs:
    """A user's `/lang` and `/mode` choices (None: not chosen)."""

    ui_language: str | None
    persona: PersonaInfo | None


class Unset(enum.Enum):
    """Marks an argument that was not given (None is a value: "clear it")."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def get_setting(session: Session, key: str) -> str | None:
    """The value of a bot setting, or None when unset."""
    row = session.get(BotSetting, key)
    return row.value if row is not None else None


def set_setting(session: Session, key: str, value: str | None) -> None:
    """Set (or with None, delete) a bot setting."""
    row = session.get(BotSetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(BotSetting(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_at = utcnow()
    session.flush()


def allowlist_enabled(session: Session) -> bool:
    """True when only allow-listed users (and Telegram admins) may talk to the bot."""
    return get_setting(session, ALLOWLIST_MODE) == "on"


def set_allowlist_enabled(session: Session, enabled: bool) -> None:
    """Turn allow-list mode on or off."""
    set_setting(session, ALLOWLIST_MODE, "on" if enabled else "off")


def _int_setting(session: Session, key: str) -> int | None:
    raw = get_setting(session, key)
    return int(raw) if raw and raw.strip().isdigit() else None


def get_policy(session: Session, user_id: int) -> UserPolicy | None:
    """The user's policy row, if one was ever written."""
    return session.get(UserPolicy, user_id)


def ensure_policy(session: Session, user_id: int) -> UserPolicy:
    """The user's policy row, created with defaults when missing."""
    policy = session.get(UserPolicy, user_id)
    if policy is None:
        policy = UserPolicy(
            user_id=user_id,
            banned=False,
            allowed=False,
            role=UserRole.USER.value,
            updated_at=utcnow(),
        )
        session.add(policy)
        session.flush()
    return policy


def start_of_day(now: datetime | None = None) -> datetime:
    """Midnight UTC of the day containing `now`."""
    now = (now or utcnow()).astimezone(UTC)
    return datetime.combine(now.date(), time.min, tzinfo=UTC)


def messages_today(
    session: Session, user_id: int, now: datetime | None = None, *, excluding: int | None = None
) -> int:
    """How many chat messages the user has sent since midnight UTC (but `excluding`)."""
    query = select(func.count()).where(
        Message.user_id == user_id,
        Message.created_at >= start_of_day(now),
        Message.role == Role.USER.value,
        Message.kind == Kind.CHAT.value,
    )
    if excluding is not None:
        query = query.where(Message.id != excluding)
    return int(session.scalar(query) or 0)


def tokens_today(session: Session, user_id: int, now: datetime | None = None) -> int:
    """Prompt plus completion tokens of today's replies to the user's messages."""
    reply = aliased(Message)
    tokens = func.coalesce(reply.prompt_tokens, 0) + func.coalesce(reply.completion_tokens, 0)
    query = (
        select(func.coalesce(func.sum(tokens), 0))
        .select_from(Message)
        .join(reply, reply.reply_to_id == Message.id)
        .where(Message.user_id == user_id, Message.created_at >= start_of_day(now))
    )
    return int(session.scalar(query) or 0)


def _quota_decision(
    session: Session,
    user_id: int,
    policy: UserPolicy | None,
    now: datetime | None,
    pending_message_id: int | None = None,
) -> AccessDecision:
    message_quota = policy.daily_message_quota if policy else None
    if message_quota is None:
        message_quota = _int_setting(session, DEFAULT_DAILY_MESSAGES)
    if message_quota is not None:
        used = messages_today(session, user_id, now, excluding=pending_message_id)
        if used >= message_quota:
            return AccessDecision(AccessReason.MESSAGE_QUOTA, message_quota, used)
    token_quota = policy.daily_token_quota if policy else None
    if token_quota is None:
        token_quota = _int_setting(session, DEFAULT_DAILY_TOKENS)
    if token_quota is not None:
        used = tokens_today(session, user_id, now)
        if used >= token_quota:
            return AccessDecision(AccessReason.TOKEN_QUOTA, token_quota, used)
    return AccessDecision(AccessReason.ALLOWED)


def check_access(
    session: Session,
    user_id: int,
    now: datetime | None = None,
    *,
    pending_message_id: int | None = None,
) -> AccessDecision:
    """Decide whether the user's next chat message may go to the model.

    Call it before storing the new message, or pass the stored message as
    `pending_message_id`: a quota of N lets N messages through per UTC day.
    Bans always win; Telegram admins skip the allow-list and the quotas.
    """
    policy = get_policy(session, user_id)
    if policy is not None and policy.banned:
        return AccessDecision(AccessReason.BANNED)
    if policy is not None and policy.role == UserRole.ADMIN.value:
        return AccessDecision(AccessReason.ALLOWED)
    if allowlist_enabled(session) and (policy is None or not policy.allowed):
        return AccessDecision(AccessReason.NOT_ALLOWED)
    return _quota_decision(session, user_id, policy, now, pending_message_id)


def set_banned(session: Session, user_id: int, banned: bool) -> None:
    """Ban or unban a Telegram user (takes effect on their next message)."""
    policy = ensure_policy(session, user_id)
    policy.banned = banned
    policy.updated_at = utcnow()


def set_allowed(session: Session, user_id: int, allowed: bool) -> None:
    """Put a Telegram user on the allow-list or take them off it."""
    policy = ensure_policy(session, user_id)
    policy.allowed = allowed
    policy.updated_at = utcnow()


def set_role(session: Session, user_id: int, role: UserRole) -> None:
    """Make a Telegram user an admin (gets `/stats`) or a plain user."""
    policy = ensure_policy(session, user_id)
    policy.role = UserRole(role).value
    policy.updated_at = utcnow()


def set_quotas(
    session: Session, user_id: int, *, daily_messages: int | None, daily_tokens: int | None
) -> None:
    """Set the user's daily quotas (None: the default from bot settings)."""
    policy = ensure_policy(session, user_id)
    policy.daily_message_quota = daily_messages
    policy.daily_token_quota = daily_tokens
    policy.updated_at = utcnow()


def is_admin(session: Session, telegram_user_id: int) -> bool:
    """True for a Telegram user with the admin role (and not banned)."""
    policy = get_policy(session, telegram_user_id)
    return policy is not None and policy.role == UserRole.ADMIN.value and not policy.banned


def _persona_info(persona: Persona) -> PersonaInfo:
    return PersonaInfo(id=persona.id, name=persona.name, system_prompt=persona.system_prompt)


def list_personas(session: Session) -> list[PersonaInfo]:
    """The enabled personas in the order `/mode` shows them."""
    query = (
        select(Persona).where(Persona.enabled.is_(True)).order_by(Persona.sort_order, Persona.id)
    )
    return [_persona_info(p) for p in session.scalars(query)]


def get_user_prefs(session: Session, user_id: int) -> UserPrefs:
    """The user's `/lang` and `/mode` choices; a disabled or deleted persona counts as none."""
    policy = get_policy(session, user_id)
    if policy is None:
        return UserPrefs(ui_language=None, persona=None)
    persona = session.get(Persona, policy.persona_id) if policy.persona_id else None
    if persona is not None and not persona.enabled:
        persona = None
    return UserPrefs(
        ui_language=policy.ui_language, persona=_persona_info(persona) if persona else None
    )


def set_user_prefs(
    session: Session,
    user_id: int,
    *,
    ui_language: str | Unset | None = UNSET,
    persona_id: int | Unset | None = UNSET,
) -> None:
    """Store the user's `/lang` and/or `/mode` choice; arguments left out are kept."""
    policy = ensure_policy(session, user_id)
    if not isinstance(ui_language, Unset):
        policy.ui_language = ui_language
    if not isinstance(persona_id, Unset):
        if persona_id is not None and session.get(Persona, persona_id) is None:
            raise ValueError(f"no persona with id {persona_id}")
        policy.persona_id = persona_id
    policy.updated_at = utcnow()
