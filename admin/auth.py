"""Dashboard accounts, server-side sessions and rate-limited logins (state kept in the database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from admin.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from core.storage.admin_models import AdminAccount, AdminRole, AdminSession, LoginAttempt
from core.storage.models import utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
SESSION_LIFETIME = timedelta(hours=12)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
ATTEMPT_RETENTION = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in account as the request handlers see it."""

    account_id: int
    username: str
    role: str
    csrf_token: str

    @property
    def can_edit(self) -> bool:
        """Viewers may look at every page but change nothing."""
        return self.role == AdminRole.ADMIN.value


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a login: a session token, or why not (and when to retry if throttled)."""

    token: str | None = None
    throttled: bool = False
    retry_after: int = 0


def validate_new_account(username: str, password: str) -> None:
    """Raise ValueError when the username or the password is not acceptable."""
    if not USERNAME_RE.match(username):
        raise ValueError("username must be 1-64 characters of letters, digits and _ . @ -")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def create_account(session: Session, username: str, password: str, role: str) -> AdminAccount:
    """Create a dashboard account, or reset the password and role of an existing one."""
    validate_new_account(username, password)
    role = AdminRole(role).value
    account = session.scalar(select(AdminAccount).where(AdminAccount.username == username))
    if account is None:
        account = AdminAccount(username=username, created_at=utcnow())
        session.add(account)
    account.password_hash = hash_password(password)
    account.role = role
    session.flush()
    return account


def account_count(session: Session) -> int:
    """How many dashboard accounts exist (the login page explains how to make the first)."""
    return int(session.scalar(select(func.count()).select_from(AdminAccount)) or 0)


def _recent_failures(
    session: Session, column: InstrumentedAttribute[str], value: str, now: datetime
) -> list[datetime]:
    query = (
        select(LoginAttempt.created_at)
        .where(column == value, LoginAttempt.created_at >= now - ATTEMPT_WINDOW)
        .where(LoginAttempt.succeeded.is_(False))
        .order_by(LoginAttempt.created_at)
    )
    return list(session.scalars(query))


def throttle_seconds(session: Session, username: str, ip: str, now: datetime) -> int:
    """Seconds until another attempt is allowed for this username or IP (0: allowed now)."""
    waits = []
    for column, value, limit in (
        (LoginAttempt.username, username, MAX_FAILURES_PER_USERNAME),
        (LoginAttempt.ip, ip, MAX_FAILURES_PER_IP),
    ):
        failures = _recent_failures(session, column, value, now)
        if len(failures) >= limit:
            oldest = _aware(failures[-limit])
            waits.append(int((oldest + ATTEMPT_WINDOW - now).total_seconds()) + 1)
    return max(waits, default=0)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive UTC datetimes; make them comparable with aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record_attempt(session: Session, username: str, ip: str, ok: bool, now: datetime) -> None:
    session.add(LoginAttempt(username=username[:64], ip=ip[:64], succeeded=ok, created_at=now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - ATTEMPT_RETENTION))


def login(
    session: Session, username: str, password: str, ip: str, now: datetime | None = None
) -> LoginResult:
    """Check the credentials (unless throttled), record the attempt, and open a session."""
    now = now or utcnow()
    username = username.strip()[:64]
    wait = throttle_seconds(session, username, ip, now)
    if wait > 0:
        return LoginResult(throttled=True, retry_after=wait)
    account = session.scalar(select(AdminAccount).where(AdminAccount.username == username))
    ok = verify_password(account.password_hash if account else None, password)
    _record_attempt(session, username, ip, ok, now)
    if not ok or account is None:
        return LoginResult()
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = now
    return LoginResult(token=open_session(session, account, ip, now))


def open_session(session: Session, account: AdminAccount, ip: str, now: datetime) -> str:
    """Store a new session for the account and return its token (only its hash is stored)."""
    token = new_token()
    session.add(
        AdminSession(
            token_hash=token_digest(token), account_id=account.id, csrf_token=new_token(),
            created_at=now, expires_at=now + SESSION_LIFETIME, ip=ip[:64],
        )
    )
    session.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    return token


def principal_for(
    session: Session, token: str | None, now: datetime | None = None
) -> Principal | None:
    """The account behind a session token, or None when missing, unknown or expired."""
    if not token:
        return None
    row = session.execute(
        select(AdminSession, AdminAccount)
        .join(AdminAccount, AdminAccount.id == AdminSession.account_id)
        .where(AdminSession.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    stored, account = row
    if _aware(stored.expires_at) <= (now or utcnow()):
        return None
    return Principal(account.id, account.username, account.role, stored.csrf_token)


def close_session(session: Session, token: str | None) -> None:
    """Forget a session (logout)."""
    if token:
        session.execute(delete(AdminSession).where(AdminSession.token_hash == token_digest(token)))
