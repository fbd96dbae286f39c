"""Accounts, argon2 hashes, sessions and login rate limiting (database side)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from admin import auth
from admin.security import hash_password, token_digest, verify_password
from core.storage.admin_models import AdminAccount, AdminSession
from core.storage.models import utcnow

PASSWORD = "correct horse battery staple"


def test_argon2_hashes():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second  # salted
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


def test_create_account_validates_and_stores_only_a_hash(admin_db):
    with admin_db.session() as s:
        with pytest.raises(ValueError, match="at least"):
            auth.create_account(s, "bob", "short", "admin")
        with pytest.raises(ValueError, match="username"):
            auth.create_account(s, "bad name", PASSWORD, "admin")
        with pytest.raises(ValueError):
            auth.create_account(s, "bob", PASSWORD, "superuser")
        auth.create_account(s, "bob", PASSWORD, "viewer")
    with admin_db.session() as s:
        account = s.scalar(select(AdminAccount))
        assert account.role == "viewer" and PASSWORD not in account.password_hash
        assert auth.account_count(s) == 1


def test_login_opens_a_session_and_logout_closes_it(admin_db):
    with admin_db.session() as s:
        auth.create_account(s, "bob", PASSWORD, "admin")
    with admin_db.session() as s:
        result = auth.login(s, "bob", PASSWORD, "10.0.0.1")
    assert result.token and not result.throttled
    with admin_db.session() as s:
        stored = s.scalar(select(AdminSession))
        assert stored.token_hash == token_digest(result.token) != result.token
        who = auth.principal_for(s, result.token)
        assert who is not None and who.username == "bob" and who.can_edit
        assert auth.principal_for(s, "forged") is None
        later = utcnow() + auth.SESSION_LIFETIME + timedelta(seconds=1)
        assert auth.principal_for(s, result.token, now=later) is None
        auth.close_session(s, result.token)
    with admin_db.session() as s:
        assert auth.principal_for(s, result.token) is None


def test_failures_are_rate_limited_per_username(admin_db):
    with admin_db.session() as s:
        auth.create_account(s, "bob", PASSWORD, "admin")
    now = utcnow()
    for i in range(auth.MAX_FAILURES_PER_USERNAME):
        with admin_db.session() as s:
            assert auth.login(s, "bob", "wrong", f"10.0.0.{i}", now=now).token is None
    with admin_db.session() as s:
        blocked = auth.login(s, "bob", PASSWORD, "10.9.9.9", now=now)
    assert blocked.throttled and blocked.token is None
    assert 0 < blocked.retry_after <= auth.ATTEMPT_WINDOW.total_seconds() + 1
    with admin_db.session() as s:  # the window passes
        later = now + auth.ATTEMPT_WINDOW + timedelta(seconds=2)
        assert auth.login(s, "bob", PASSWORD, "10.9.9.9", now=later).token


def test_failures_are_rate_limited_per_ip(admin_db):
    with admin_db.session() as s:
        auth.create_account(s, "bob", PASSWORD, "admin")
    now = utcnow()
    for i in range(auth.MAX_FAILURES_PER_IP):
        with admin_db.session() as s:
            auth.login(s, f"guess{i}", "wrong", "10.6.6.6", now=now)
    with admin_db.session() as s:
        assert auth.login(s, "bob", PASSWORD, "10.6.6.6", now=now).throttled
        assert auth.login(s, "bob", PASSWORD, "10.7.7.7", now=now).token
