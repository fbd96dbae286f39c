"""The intake scenario: durable webhook acknowledgements per second on one core."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.monitor import Monitor
from bench.procs import cpu_count, pin_to_cpus, spawn_python
from bench.stack import BenchStack, StackOptions, running_stack
from bot.webhook import WEBHOOK_PATH
from core.storage.db import Database
from core.storage.models import TelegramUpdate

FIRST_UPDATE_ID = 1_000_000_000
SERVER_CPU, CLIENT_CPU = 0, 1


def run_intake(options: StackOptions, workdir: Path, *, connections: int,
               duration: float) -> dict[str, Any]:
    """Measure the empty endpoint (ceiling), then the webhook, on a web app pinned to one core."""
    with running_stack(options, workdir) as stack:
        pinned = cpu_count() >= 2 and pin_to_cpus(stack.web.pid, {SERVER_CPU})
        empty = _drive(stack, workdir, "healthz", connections, duration, pinned)
        webhook = _drive(stack, workdir, "webhook", connections, duration, pinned)
        stored = _stored_updates(stack.database_url)
    webhook["durable_missing"] = max(0, webhook["acknowledged_with_warmup"] - stored)
    return {
        "pinned": pinned, "connections": connections, "database": _kind(stack.database_url),
        "empty_endpoint": empty, "webhook": webhook, "stored_updates": stored,
    }


def _drive(stack: BenchStack, workdir: Path, name: str, connections: int, duration: float,
           pinned: bool) -> dict[str, Any]:
    out = workdir / f"intake-{name}.json"
    url = f"{stack.web_url}/healthz" if name == "healthz" else stack.web_url + WEBHOOK_PATH
    args = ["-m", "bench.intake_load", "--url", url, "--secret", stack.secret,
            "--connections", str(connections), "--duration", str(duration),
            "--first-update-id", str(FIRST_UPDATE_ID), "--out", str(out)]
    if name == "healthz":
        args.append("--empty")
    if pinned:
        args += ["--cpu", str(CLIENT_CPU)]
    monitor = Monitor({"web": stack.web.pid})
    monitor.start()
    started = time.monotonic()
    process = spawn_python(args, env=stack.env, log_path=workdir / "intake-load.log")
    code = process.wait(duration + 120)
    monitor.stop()
    if code != 0:
        raise RuntimeError(f"the intake load generator exited with {code}")
    result: dict[str, Any] = json.loads(out.read_text())
    wall = time.monotonic() - started
    result["server_cpu_percent"] = round(100 * monitor.usage["web"].cpu_seconds / wall, 1)
    return result


def _stored_updates(database_url: str) -> int:
    db = Database(database_url)
    try:
        with db.session() as session:
            query = select(func.count()).where(TelegramUpdate.update_id >= FIRST_UPDATE_ID)
            return int(session.scalar(query) or 0)
    finally:
        db.dispose()


def _kind(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"
