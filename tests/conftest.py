"""Session-wide fixtures: real Redis and PostgreSQL servers, SQLite files, migrated databases."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.storage.db import Database
from core.storage.migrate import upgrade
from tests.fixtures.databases import fresh_postgres_database, postgres_server, sqlite_url
from tests.fixtures.redis_server import redis_server


@pytest.fixture(scope="session")
def server_dir() -> Iterator[Path]:
    """A directory for the session's servers, outside pytest's rotated temporary folders
    (a concurrent pytest run may delete old ones, with a server still using them)."""
    path = Path(tempfile.mkdtemp(prefix="parley-test-servers-"))
    yield path
    # PostgreSQL deletes its own data directory when it stops, at interpreter exit.
    shutil.rmtree(path / "redis", ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(server_dir: Path) -> Iterator[str]:
    """A real Redis server for the whole session."""
    with redis_server(server_dir / "redis") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_server_url(server_dir: Path) -> Iterator[str]:
    """A real PostgreSQL server for the whole session."""
    (server_dir / "postgres").mkdir()
    with postgres_server(server_dir / "postgres") as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """An empty PostgreSQL database for one test."""
    with fresh_postgres_database(postgres_server_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind (the test runs once per backend)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database of each kind."""
    upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests run on asyncio (anyio's pytest plugin)."""
    return "asyncio"
