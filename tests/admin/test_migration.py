"""Migration 0002 upgrades, downgrades and matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.storage.all_models import metadata
from core.storage.db import make_engine
from core.storage.migrate import downgrade, upgrade
from tests.fixtures.databases import fresh_postgres_database, sqlite_url

ADMIN_TABLES = {"admin_accounts", "admin_sessions", "admin_login_attempts", "personas",
                "user_policies", "bot_settings"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


def _state(url: str) -> tuple[set[str], set[str | None], list[object]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names())
            indexes = {i["name"] for i in inspector.get_indexes("messages")} | {
                i["name"] for i in inspector.get_indexes("users")}
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        return tables, indexes, diff
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url):
    upgrade(empty_url)
    tables, indexes, diff = _state(empty_url)
    assert tables >= ADMIN_TABLES
    assert {"ix_messages_created_at", "ix_users_last_seen_at"} <= indexes
    assert diff == []
    downgrade(empty_url, "0001")
    tables, indexes, _ = _state(empty_url)
    assert not ADMIN_TABLES & tables and "ix_messages_created_at" not in indexes
    upgrade(empty_url)
    assert _state(empty_url)[0] >= ADMIN_TABLES


ROLLUP_TABLES = {"admin_daily_inbound", "admin_daily_replies", "admin_daily_users",
                 "admin_rollup_days"}


def test_rollup_migration_upgrades_and_downgrades(empty_url):
    upgrade(empty_url)
    tables, _, diff = _state(empty_url)
    assert tables >= ROLLUP_TABLES and diff == []
    downgrade(empty_url, "0004")
    assert not ROLLUP_TABLES & _state(empty_url)[0]
    upgrade(empty_url)
    assert _state(empty_url)[0] >= ROLLUP_TABLES
