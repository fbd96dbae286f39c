"""The bot-facing policy functions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.storage import policy
from core.storage.admin_models import Persona, UserRole
from core.storage.models import utcnow
from core.storage.policy import AccessReason
from tests.admin.factories import add_exchange, add_user, open_conversation


def test_unknown_user_is_allowed_by_default(admin_db):
    with admin_db.session() as s:
        decision = policy.check_access(s, 42)
    assert decision.allowed and decision.reason is AccessReason.ALLOWED


def test_ban_refuses_and_unban_restores(admin_db):
    with admin_db.session() as s:
        policy.set_banned(s, 42, True)
    with admin_db.session() as s:
        assert policy.check_access(s, 42).reason is AccessReason.BANNED
        policy.set_banned(s, 42, False)
    with admin_db.session() as s:
        assert policy.check_access(s, 42).allowed


def test_allowlist_mode(admin_db):
    with admin_db.session() as s:
        policy.set_allowlist_enabled(s, True)
        policy.set_allowed(s, 1, True)
        policy.set_role(s, 2, UserRole.ADMIN)
    with admin_db.session() as s:
        assert policy.check_access(s, 1).allowed
        assert policy.check_access(s, 2).allowed  # admins skip the allow-list
        assert policy.check_access(s, 3).reason is AccessReason.NOT_ALLOWED
        policy.set_allowlist_enabled(s, False)
    with admin_db.session() as s:
        assert policy.check_access(s, 3).allowed


def test_ban_beats_admin_role(admin_db):
    with admin_db.session() as s:
        policy.set_role(s, 5, UserRole.ADMIN)
        policy.set_banned(s, 5, True)
    with admin_db.session() as s:
        assert policy.check_access(s, 5).reason is AccessReason.BANNED
        assert not policy.is_admin(s, 5)


def _today_traffic(session, user_id: int, messages: int, tokens_each: int) -> None:
    add_user(session, user_id)
    conversation = open_conversation(session, user_id)
    for i in range(messages):
        add_exchange(session, conversation, user_id, f"m{i}", at=utcnow() - timedelta(seconds=i),
                     prompt=tokens_each, completion=0, cached=0)


def test_message_quota(admin_db):
    with admin_db.session() as s:
        _today_traffic(s, 7, messages=3, tokens_each=10)
        policy.set_quotas(s, 7, daily_messages=3, daily_tokens=None)
    with admin_db.session() as s:
        decision = policy.check_access(s, 7)
        assert decision.reason is AccessReason.MESSAGE_QUOTA
        assert (decision.limit, decision.used) == (3, 3)
        policy.set_quotas(s, 7, daily_messages=4, daily_tokens=None)
    with admin_db.session() as s:
        assert policy.check_access(s, 7).allowed


def test_token_quota_and_defaults(admin_db):
    with admin_db.session() as s:
        _today_traffic(s, 8, messages=2, tokens_each=60)
        assert policy.tokens_today(s, 8) == 120
        policy.set_setting(s, policy.DEFAULT_DAILY_TOKENS, "100")
    with admin_db.session() as s:
        decision = policy.check_access(s, 8)
        assert decision.reason is AccessReason.TOKEN_QUOTA and decision.used == 120
        policy.set_quotas(s, 8, daily_messages=None, daily_tokens=1000)  # per-user wins
    with admin_db.session() as s:
        assert policy.check_access(s, 8).allowed


def test_yesterday_does_not_count(admin_db):
    with admin_db.session() as s:
        add_user(s, 9)
        conversation = open_conversation(s, 9)
        add_exchange(s, conversation, 9, "old", at=policy.start_of_day() - timedelta(minutes=1))
        policy.set_quotas(s, 9, daily_messages=1, daily_tokens=None)
    with admin_db.session() as s:
        assert policy.messages_today(s, 9) == 0
        assert policy.check_access(s, 9).allowed


def test_admins_skip_quotas_and_is_admin(admin_db):
    with admin_db.session() as s:
        policy.set_setting(s, policy.DEFAULT_DAILY_MESSAGES, "0")
        policy.set_role(s, 10, UserRole.ADMIN)
    with admin_db.session() as s:
        assert policy.check_access(s, 10).allowed
        assert policy.check_access(s, 11).reason is AccessReason.MESSAGE_QUOTA
        assert policy.is_admin(s, 10) and not policy.is_admin(s, 11)


def test_personas_and_prefs(admin_db):
    with admin_db.session() as s:
        now = utcnow()
        s.add_all([
            Persona(name="Coder", system_prompt="You write code.", sort_order=2,
                    created_at=now, updated_at=now),
            Persona(name="Poet", system_prompt="You rhyme.", sort_order=1,
                    created_at=now, updated_at=now),
            Persona(name="Hidden", system_prompt="x", enabled=False, sort_order=0,
                    created_at=now, updated_at=now),
        ])
    with admin_db.session() as s:
        listed = policy.list_personas(s)
        assert [p.name for p in listed] == ["Poet", "Coder"]
        assert policy.get_user_prefs(s, 1) == policy.UserPrefs(None, None)
        policy.set_user_prefs(s, 1, ui_language="ru", persona_id=listed[1].id)
    with admin_db.session() as s:
        prefs = policy.get_user_prefs(s, 1)
        assert prefs.ui_language == "ru" and prefs.persona is not None
        assert prefs.persona.system_prompt == "You write code."
        policy.set_user_prefs(s, 1, persona_id=None)  # language kept
    with admin_db.session() as s:
        assert policy.get_user_prefs(s, 1) == policy.UserPrefs("ru", None)
        with pytest.raises(ValueError, match="no persona"):
            policy.set_user_prefs(s, 1, persona_id=99999)


def test_deleted_persona_falls_back(admin_db):
    with admin_db.session() as s:
        now = utcnow()
        persona = Persona(name="Temp", system_prompt="t", created_at=now, updated_at=now)
        s.add(persona)
        s.flush()
        policy.set_user_prefs(s, 3, persona_id=persona.id)
    with admin_db.session() as s:
        s.delete(s.get(Persona, persona.id))
    with admin_db.session() as s:
        assert policy.get_user_prefs(s, 3).persona is None
        row = policy.get_policy(s, 3)
        assert row is not None and row.persona_id is None  # ON DELETE SET NULL
