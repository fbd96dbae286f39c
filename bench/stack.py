"""The whole service on loopback for one benchmark run, torn down even on Ctrl-C."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.database import fresh_database
from bench.procs import http_ok, spawn_python, stop_process, wait_until
from core.embedded import free_port, running_redis
from core.settings import SANDBOX_TOKEN

WEBHOOK_SECRET = "bench-secret-0123456789abcdef"  # noqa: S105 (a loopback-only test value)
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class StackOptions:
    """What to start: worker count and threads, the simulator's pace, the database."""

    workers: int = 2
    worker_concurrency: int = 512
    sim_speed: float = 1.0
    output_tokens_min: int = 40
    output_tokens_max: int = 400
    sim_max_running: int = 1024
    inference_url: str | None = None
    inference_model: str = "default"
    database_url: str | None = None
    postgres: bool = False
    flood_limits: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class BenchStack:
    """A running system: URLs, the database URL and the processes to watch."""

    workdir: Path
    sandbox_url: str
    web_url: str
    sim_url: str | None
    database_url: str
    env: dict[str, str]
    web: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    secret: str = WEBHOOK_SECRET


@contextmanager
def running_stack(options: StackOptions, workdir: Path) -> Iterator[BenchStack]:
    """Start redis, the database, the simulator, the sandbox, the web app and the workers."""
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        redis_url = stack.enter_context(running_redis(workdir))
        database_url = stack.enter_context(
            fresh_database(workdir, url=options.database_url, postgres=options.postgres)
        )
        sim_url = options.inference_url or stack.enter_context(_simulator(options, workdir))
        sandbox_url = stack.enter_context(_sandbox(options, workdir))
        port = free_port()
        env = _service_env(options, redis_url, database_url, sim_url, sandbox_url, port, workdir)
        web = stack.enter_context(_web(env, workdir, sandbox_url, port))
        bench = BenchStack(
            workdir, sandbox_url, f"http://127.0.0.1:{port}",
            None if options.inference_url else sim_url, database_url, env, web,
        )
        for index in range(options.workers):
            bench.workers.append(stack.enter_context(_worker(env, workdir, index)))
        yield bench


def _service_env(options: StackOptions, redis_url: str, database_url: str, sim_url: str,
                 sandbox_url: str, port: int, workdir: Path) -> dict[str, str]:
    """The environment of the web app and the workers (see core/settings.py)."""
    return {
        **os.environ,
        "PARLEY_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "INFERENCE_URL": sim_url,
        "INFERENCE_MODEL": options.inference_model,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_URL": sandbox_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(workdir / "data"),
        "WORKER_CONCURRENCY": str(options.worker_concurrency),
        "LOG_LEVEL": "WARNING",
        **options.extra_env,
    }


@contextmanager
def _simulator(options: StackOptions, workdir: Path) -> Iterator[str]:
    port = free_port()
    args = [
        "-m", "bench.sim_server", "--port", str(port), "--speed", str(options.sim_speed),
        "--output-tokens-min", str(options.output_tokens_min),
        "--output-tokens-max", str(options.output_tokens_max),
        "--max-running-requests", str(options.sim_max_running),
    ]
    process = spawn_python(args, env=dict(os.environ), log_path=workdir / "simulator.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_ok(f"{url}/health"), timeout=STARTUP_TIMEOUT,
                   what="simulator", process=process)
        yield url
    finally:
        stop_process(process)


@contextmanager
def _sandbox(options: StackOptions, workdir: Path) -> Iterator[str]:
    port = free_port()
    args = ["-m", "bench.sandbox_server", "--port", str(port)]
    if not options.flood_limits:
        args.append("--no-flood-limits")
    process = spawn_python(args, env=dict(os.environ), log_path=workdir / "sandbox.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_ok(f"{url}/api/stats"), timeout=STARTUP_TIMEOUT,
                   what="sandbox", process=process)
        yield url
    finally:
        stop_process(process)


@contextmanager
def _web(env: dict[str, str], workdir: Path, sandbox_url: str,
         port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = spawn_python(["-m", "parley.cli", "web"], env=env, log_path=workdir / "web.log")
    try:
        wait_until(lambda: _webhook_registered(sandbox_url, port), timeout=STARTUP_TIMEOUT,
                   what="web app (webhook registration)", process=process)
        yield process
    finally:
        stop_process(process, timeout=15)


@contextmanager
def _worker(env: dict[str, str], workdir: Path, index: int) -> Iterator[subprocess.Popen[bytes]]:
    args = ["-m", "parley.cli", "worker", "--name", f"bench{index}@%h"]
    process = spawn_python(args, env=env, log_path=workdir / f"worker{index}.log")
    try:
        yield process
    finally:
        stop_process(process, timeout=20)


def _webhook_registered(sandbox_url: str, port: int) -> bool:
    try:
        info = httpx.get(f"{sandbox_url}/bot{SANDBOX_TOKEN}/getWebhookInfo", timeout=1).json()
    except (httpx.HTTPError, ValueError):
        return False
    return str(info.get("result", {}).get("url", "")).startswith(f"http://127.0.0.1:{port}")
