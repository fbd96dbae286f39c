"""`parley run` (what `make run` starts) on embedded defaults: chat, stop, restart, history kept."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.storage.db import Database
from core.storage.models import Message, Status
from tests.fixtures.redis_server import free_port
from tests.fixtures.stack import ROOT, wait_until

pytestmark = pytest.mark.slow

UNSET = ("DATABASE_URL", "REDIS_URL", "INFERENCE_URL", "TELEGRAM_BOT_TOKEN", "PUBLIC_URL")


def start(data_dir: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(ports["web"]),
        EMBEDDED_REDIS_PORT=str(ports["redis"]),
        LOCAL_LLM_PORT=str(ports["llm"]),
        MAX_REPLY_TOKENS="32",
        WORKER_CONCURRENCY="8",
    )
    log = open(data_dir / "run.log", "ab")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "run"], env=env, cwd=ROOT, stdout=log, stderr=log
    )


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def answered(db: Database) -> list[Message]:
    with db.session() as s:
        return list(
            s.scalars(
                select(Message).where(Message.role == "user", Message.status == Status.ANSWERED)
            )
        )


def test_run_serves_the_sandbox_answers_and_keeps_history_across_restarts(tmp_path: Path) -> None:
    ports = {"web": free_port(), "redis": free_port(), "llm": free_port()}
    api = f"http://127.0.0.1:{ports['web']}/sandbox/api/chats/77/messages"
    db = Database(f"sqlite:///{tmp_path / 'parley.db'}")
    run = start(tmp_path, ports)
    try:
        wait_until(lambda: port_open(ports["web"]), 120, "the web app")
        page = httpx.get(f"http://127.0.0.1:{ports['web']}/sandbox/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        wait_until(
            lambda: httpx.post(api, json={"text": "Hi! Who are you?", "user_id": 77}).is_success,
            60,
            "sandbox",
        )
        wait_until(lambda: answered(db), 120, "the first answer")
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(60)
    assert run.returncode == 0
    for port in ports.values():
        assert not port_open(port), f"port {port} still served after Ctrl-C"

    run = start(tmp_path, ports)
    try:
        wait_until(lambda: port_open(ports["web"]), 120, "the web app after a restart")
        chat = httpx.get(api).json()
        messages = chat["messages"] if isinstance(chat, dict) else chat
        assert [m["from"] for m in messages][:2] == ["user", "bot"], "the chat survived the restart"
        wait_until(
            lambda: httpx.post(api, json={"text": "Thanks!", "user_id": 77}).is_success,
            60,
            "sandbox",
        )
        wait_until(lambda: len(answered(db)) == 2, 120, "the second answer")
        first, second = answered(db)
        assert first.conversation_id == second.conversation_id, "history kept across restart"
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(60)
        db.dispose()
