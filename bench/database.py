"""A fresh, migrated database for one benchmark run: SQLite, a given URL, or embedded PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.embedded import embedded_postgres_url, fresh_postgres_database
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
    server = normalize_database_url(url) if url else embedded_postgres_url(workdir)
    if server.startswith("sqlite"):
        upgrade(server)
        yield server
        return
    with fresh_postgres_database(server, prefix="parley_bench") as fresh:
        upgrade(fresh)
        yield fresh
