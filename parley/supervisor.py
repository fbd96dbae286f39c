"""`parley run`: start every process the configuration needs, stop them all on Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

import httpx

from core.embedded import start_redis
from core.logging import get_logger
from core.settings import Settings
from core.storage.migrate import upgrade

log = get_logger(__name__)


@dataclass
class Supervisor:
    """Child processes in start order; stopped in reverse order."""

    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start a child process in its own process group."""
        process = subprocess.Popen(argv, env=env, start_new_session=True)
        self.children.append((name, process))
        log.info("started", process=name, pid=process.pid)
        return process

    def adopt(self, name: str, process: subprocess.Popen[bytes]) -> None:
        """Track a process started elsewhere."""
        self.children.append((name, process))

    def first_exited(self) -> tuple[str, int] | None:
        """The first child that has exited, with its code."""
        for name, process in self.children:
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM every child (newest first), then SIGKILL what is still alive."""
        for _name, process in reversed(self.children):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in reversed(self.children):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("killing", process=name)
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of child processes: the resolved URLs made explicit."""
    env = dict(os.environ)
    env["DATABASE_URL"] = settings.effective_database_url
    env["REDIS_URL"] = settings.effective_redis_url
    env["INFERENCE_URL"] = settings.effective_inference_url
    env["DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.sandbox_mode:
        env["TELEGRAM_API_URL"] = settings.effective_telegram_api_url
    if settings.inference_url is None:
        env.setdefault("INFERENCE_MODEL", "smollm2")
    env.setdefault("WORKER_METRICS_PORT", str(settings.port + 1))
    return env


def wait_http_ok(url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Block until `url` answers 200, or raise when the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become ready within {timeout} s")


def run_all(settings: Settings) -> int:
    """Start the embedded parts as needed, migrate, then the web app and a worker."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    env = child_env(settings)
    parley = [sys.executable, "-m", "parley.cli"]
    try:
        if settings.redis_url is None:
            redis = start_redis(settings.embedded_redis_port, settings.data_dir / "redis")
            supervisor.adopt("redis", redis)
        if settings.inference_url is None:
            llm = supervisor.spawn("local-llm", [*parley, "local-llm"], env)
            wait_http_ok(f"{settings.effective_inference_url}/health", 120, llm)
        upgrade(settings.effective_database_url)
        supervisor.spawn("worker", [*parley, "worker"], env)
        web = supervisor.spawn("web", [*parley, "web"], env)
        wait_http_ok(f"http://127.0.0.1:{settings.port}/healthz", 60, web)
        _announce(settings)
        while not stopping:
            exited = supervisor.first_exited()
            if exited is not None:
                log.error("child_exited", process=exited[0], code=exited[1])
                return 1
            time.sleep(0.3)
        return 0
    finally:
        log.info("stopping")
        supervisor.stop_all()


def _announce(settings: Settings) -> None:
    if settings.sandbox_mode:
        url = f"http://127.0.0.1:{settings.port}/sandbox/"
        print(f"\nParley is running. Chat with it in the Telegram sandbox: {url}\n", flush=True)
    else:
        mode = "webhook" if settings.public_url else "long polling"
        print(f"\nParley is running with Telegram ({mode}). Ctrl-C stops it.\n", flush=True)
