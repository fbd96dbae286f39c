"""Migrations run both ways on SQLite and PostgreSQL, and the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core.storage.all_models import metadata
from core.storage.migrate import downgrade, upgrade


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    assert {"users", "chats", "conversations", "messages", "telegram_updates"} <= set(
        inspect(engine).get_table_names()
    )
    downgrade(database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []
