"""Admin test fixtures: one migrated database per backend per session, emptied after each test."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from core.storage.all_models import metadata
from core.storage.db import Database
from core.storage.migrate import upgrade
from tests.fixtures.databases import fresh_postgres_database, postgres_server, sqlite_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: F401 (imported once, warning silenced)

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server for the admin tests, its data outside pytest's rotated temp dirs.

    (Concurrent pytest runs on one machine delete each other's old basetemp directories,
    which would pull the data directory from under a session-long server.)
    """
    workdir = Path(tempfile.mkdtemp(prefix="parley-admin-pg-"))
    atexit.register(shutil.rmtree, workdir, True)  # registered first, so runs after the stop
    with postgres_server(workdir) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def admin_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head, once per backend for the whole session."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("admin-sqlite"))
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server_url")
    with fresh_postgres_database(server) as url:
        upgrade(url)
        yield url


def wipe(database: Database) -> None:
    """Delete every row of every table (children first)."""
    with database.session() as session:
        for table in reversed(metadata.sorted_tables):
            if table.name != "alembic_version":
                session.execute(delete(table))


@pytest.fixture
def admin_db(admin_db_url: str) -> Iterator[Database]:
    """The backend's migrated database, empty at the start of the test."""
    database = Database(admin_db_url, pool_size=2)
    wipe(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database of this test only (for HTTP and browser tests)."""
    url = sqlite_url(tmp_path)
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()
