"""Seed a database and time the queries behind every admin page (not part of the test suite).

    python -m bench.admin_pages postgresql://... --messages 1000000 --users 100000
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from admin import actions, queries
from admin.seed import seed_database
from admin.timerange import preset_range
from core.storage import rollups
from core.storage.db import Database
from core.storage.migrate import upgrade
from core.storage.models import Message, User


def _timed(db: Database, fn: Callable[[Session], Any], repeat: int = 3) -> float:
    """The best of `repeat` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        with db.session() as session:
            started = time.perf_counter()
            fn(session)
            best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _cases(db: Database) -> dict[str, Callable[[Session], Any]]:
    with db.session() as session:
        user_id = session.scalar(select(Message.user_id).where(Message.user_id.is_not(None))
                                 .order_by(Message.id.desc()).limit(1)) or 0
        conversation_id = session.scalar(select(func.max(Message.conversation_id))) or 0
    day, week, month = preset_range("24h"), preset_range("7d"), preset_range("30d")
    search = queries.SearchFilters
    return {
        "overview_24h": lambda s: queries.overview(s, day, actions.load_prices(s)),
        "overview_7d": lambda s: queries.overview(s, week, actions.load_prices(s)),
        "overview_30d": lambda s: queries.overview(s, month, actions.load_prices(s)),
        "languages_24h": lambda s: queries.languages(s, day),
        "languages_7d": lambda s: queries.languages(s, week),
        "languages_30d": lambda s: queries.languages(s, month),
        "search_recent": lambda s: queries.search_messages(s, search()),
        "search_text": lambda s: queries.search_messages(s, search(text="capital")),
        "search_user": lambda s: queries.search_messages(s, search(user=str(user_id))),
        "search_language": lambda s: queries.search_messages(s, search(language="de")),
        "thread": lambda s: queries.conversation_thread(s, conversation_id),
        "users_list": lambda s: queries.list_users(s, queries.UserFilters(), week),
        "users_search": lambda s: queries.list_users(s, queries.UserFilters(q="user12"), week),
        "user_detail": lambda s: queries.user_detail(s, user_id, month),
        "failures_30d": lambda s: queries.failures(s, month),
        "known_languages": queries.known_languages,
        "personas": queries.personas,
    }


def _cold(db: Database) -> dict[str, float]:
    """First loads with no rollups yet: the Overview for 30 days computes all of them."""
    with db.session() as session:
        rollups.invalidate_days(session, date(2000, 1, 1), date(2100, 1, 1))
    month = preset_range("30d")
    timings = {
        "overview_30d_building_rollups": _timed(
            db, lambda s: queries.overview(s, month, actions.load_prices(s)), repeat=1),
        "languages_30d_after": _timed(db, lambda s: queries.languages(s, month), repeat=1),
    }
    _vacuum_rollups(db)
    return timings


ROLLUP_TABLES = ("admin_daily_inbound", "admin_daily_replies", "admin_daily_users",
                 "admin_rollup_days")


def _vacuum_rollups(db: Database) -> None:
    """VACUUM ANALYZE the fresh rollup tables, as autovacuum does within a minute (PostgreSQL)."""
    if db.is_sqlite:
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ROLLUP_TABLES:
            conn.execute(text(f"VACUUM ANALYZE {table}"))


def run(db_url: str, messages: int, users: int) -> dict[str, Any]:
    """Migrate, seed up to `messages`/`users`, then time every page's queries (ms, best of 3).

    `cold_ms` times the first page loads after the rollups were dropped (they are rebuilt).
    """
    upgrade(db_url)
    db = Database(db_url)
    try:
        with db.session() as session:
            have = session.scalar(select(func.count()).select_from(Message)) or 0
            have_users = session.scalar(select(func.count()).select_from(User)) or 0
        started = time.perf_counter()
        if have < messages:
            seed_database(db, messages - have, max(users - have_users, 1))
        seeded = round(time.perf_counter() - started, 1)
        cold = _cold(db)
        timings = {name: _timed(db, fn) for name, fn in _cases(db).items()}
        return {"url": db.engine.url.render_as_string(hide_password=True),
                "messages": max(have, messages), "seed_seconds": seeded,
                "cold_ms": cold, "ms": timings}
    finally:
        db.dispose()


def main() -> None:
    """Command line: print the timings as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db_url")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(run(args.db_url, args.messages, args.users), indent=2))


if __name__ == "__main__":
    main()
