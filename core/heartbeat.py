"""Worker heartbeats in Redis: each worker refreshes a key; the dashboard counts the keys."""

from __future__ import annotations

import json
import socket
from typing import Any

WORKER_KEY_PREFIX = "parley:workers:"
WORKER_HEARTBEAT_TTL = 30
WORKER_HEARTBEAT_INTERVAL = 10


def worker_key(hostname: str | None = None) -> str:
    """The heartbeat key of a worker (this host's by default)."""
    return WORKER_KEY_PREFIX + (hostname or socket.gethostname())


def refresh_worker_heartbeat(redis_client: Any, hostname: str, info: dict[str, Any]) -> None:
    """Set the worker's heartbeat key with its TTL (call every WORKER_HEARTBEAT_INTERVAL s)."""
    redis_client.set(worker_key(hostname), json.dumps(info), ex=WORKER_HEARTBEAT_TTL)
