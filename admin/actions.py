"""Changes the dashboard makes: user policies, bot settings, prices and personas."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.queries import DashboardSettings, Prices
from core.storage import policy
from core.storage.admin_models import Persona, UserRole
from core.storage.models import utcnow
from core.storage.policy import UNSET, Unset

PRICE_KEYS = {
    "input_per_mtok": "price_input_per_mtok",
    "output_per_mtok": "price_output_per_mtok",
    "cached_per_mtok": "price_cached_per_mtok",
}
LANGUAGE_MAX = 16
PROMPT_MAX = 20_000


@dataclass(frozen=True, slots=True)
class PolicyUpdate:
    """A change to one user's policy: fields left UNSET are kept, None clears a value."""

    banned: bool | Unset = UNSET
    allowed: bool | Unset = UNSET
    role: str | Unset = UNSET
    daily_message_quota: int | Unset | None = UNSET
    daily_token_quota: int | Unset | None = UNSET
    ui_language: str | Unset | None = UNSET
    persona_id: int | Unset | None = UNSET
    note: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class PersonaInput:
    """The editable fields of a persona."""

    name: str
    system_prompt: str
    enabled: bool = True
    sort_order: int = 0


def parse_optional_int(raw: str | None, *, minimum: int = 0) -> int | None:
    """'' or None -> None; otherwise an int >= minimum, else ValueError."""
    if raw is None or not str(raw).strip():
        return None
    value = int(str(raw).strip())
    if value < minimum:
        raise ValueError(f"must be at least {minimum}")
    return value


def _float_setting(session: Session, key: str) -> float:
    raw = policy.get_setting(session, key)
    try:
        return max(float(raw), 0.0) if raw else 0.0
    except ValueError:
        return 0.0


def load_prices(session: Session) -> Prices:
    """Token prices per million, as last saved (0 when never set)."""
    return Prices(**{field: _float_setting(session, key) for field, key in PRICE_KEYS.items()})


def save_prices(session: Session, prices: Prices) -> None:
    """Store the token prices used for the cost estimate."""
    for field, key in PRICE_KEYS.items():
        value = float(getattr(prices, field))
        if value < 0:
            raise ValueError("prices cannot be negative")
        policy.set_setting(session, key, repr(value))


def load_settings(session: Session) -> DashboardSettings:
    """Allow-list mode, default quotas and prices."""
    return DashboardSettings(
        allowlist=policy.allowlist_enabled(session),
        default_daily_messages=parse_optional_int(
            policy.get_setting(session, policy.DEFAULT_DAILY_MESSAGES)
        ),
        default_daily_tokens=parse_optional_int(
            policy.get_setting(session, policy.DEFAULT_DAILY_TOKENS)
        ),
        prices=load_prices(session),
    )


def save_bot_settings(
    session: Session, *, allowlist: bool, daily_messages: int | None, daily_tokens: int | None
) -> None:
    """Store allow-list mode and the default daily quotas (None: unlimited)."""
    policy.set_allowlist_enabled(session, allowlist)
    for key, value in (
        (policy.DEFAULT_DAILY_MESSAGES, daily_messages),
        (policy.DEFAULT_DAILY_TOKENS, daily_tokens),
    ):
        policy.set_setting(session, key, None if value is None else str(value))


def update_policy(session: Session, user_id: int, change: PolicyUpdate) -> None:
    """Apply a policy change; the bot sees it on the user's next message."""
    row = policy.ensure_policy(session, user_id)
    if not isinstance(change.banned, Unset):
        row.banned = change.banned
    if not isinstance(change.allowed, Unset):
        row.allowed = change.allowed
    if not isinstance(change.role, Unset):
        row.role = UserRole(change.role).value
    if not isinstance(change.daily_message_quota, Unset):
        row.daily_message_quota = _quota(change.daily_message_quota)
    if not isinstance(change.daily_token_quota, Unset):
        row.daily_token_quota = _quota(change.daily_token_quota)
    if not isinstance(change.ui_language, Unset):
        row.ui_language = (change.ui_language or "").strip()[:LANGUAGE_MAX] or None
    if not isinstance(change.persona_id, Unset):
        if change.persona_id is not None and session.get(Persona, change.persona_id) is None:
            raise ValueError("no such persona")
        row.persona_id = change.persona_id
    if not isinstance(change.note, Unset):
        row.note = (change.note or "").strip()[:256] or None
    row.updated_at = utcnow()


def _quota(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise ValueError("quotas cannot be negative")
    return value


def _check_persona(session: Session, data: PersonaInput, persona_id: int | None) -> None:
    name = data.name.strip()
    if not name or len(name) > 64:
        raise ValueError("the name must be 1-64 characters")
    if not data.system_prompt.strip() or len(data.system_prompt) > PROMPT_MAX:
        raise ValueError(f"the system prompt must be 1-{PROMPT_MAX} characters")
    clash = session.scalar(select(Persona.id).where(func.lower(Persona.name) == name.lower()))
    if clash is not None and clash != persona_id:
        raise ValueError(f"a persona named {name!r} already exists")


def create_persona(session: Session, data: PersonaInput) -> int:
    """Add a persona; returns its id."""
    _check_persona(session, data, None)
    now = utcnow()
    persona = Persona(
        name=data.name.strip(), system_prompt=data.system_prompt.strip(), enabled=data.enabled,
        sort_order=data.sort_order, created_at=now, updated_at=now,
    )
    session.add(persona)
    session.flush()
    return persona.id


def update_persona(session: Session, persona_id: int, data: PersonaInput) -> bool:
    """Change a persona; False when it does not exist."""
    persona = session.get(Persona, persona_id)
    if persona is None:
        return False
    _check_persona(session, data, persona_id)
    persona.name, persona.system_prompt = data.name.strip(), data.system_prompt.strip()
    persona.enabled, persona.sort_order = data.enabled, data.sort_order
    persona.updated_at = utcnow()
    return True


def delete_persona(session: Session, persona_id: int) -> bool:
    """Delete a persona (users who chose it fall back to the default prompt)."""
    persona = session.get(Persona, persona_id)
    if persona is None:
        return False
    session.delete(persona)
    return True


def get_persona(session: Session, persona_id: int) -> PersonaInput | None:
    """A persona's editable fields."""
    persona = session.get(Persona, persona_id)
    if persona is None:
        return None
    return PersonaInput(persona.name, persona.system_prompt, persona.enabled, persona.sort_order)
