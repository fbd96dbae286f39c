"""The worker's signs of life: a heartbeat key for the dashboard, and Prometheus metrics."""

from __future__ import annotations

import os
import socket
import threading
import time

from prometheus_client import start_http_server
from redis.exceptions import RedisError

from core.heartbeat import WORKER_HEARTBEAT_INTERVAL, refresh_worker_heartbeat
from core.logging import get_logger
from workers.runtime import Runtime

log = get_logger(__name__)


def start_heartbeat(rt: Runtime) -> threading.Event:
    """Refresh this process's heartbeat key every interval in a daemon thread."""
    stop = threading.Event()
    name = f"{socket.gethostname()}:{os.getpid()}"
    started = time.time()

    def loop() -> None:
        while True:
            info = {
                "pid": os.getpid(),
                "started": started,
                "concurrency": rt.settings.worker_concurrency,
            }
            try:
                refresh_worker_heartbeat(rt.redis, name, info)
            except RedisError as exc:
                log.warning("heartbeat_failed", error=type(exc).__name__)
            if stop.wait(WORKER_HEARTBEAT_INTERVAL):
                return

    threading.Thread(target=loop, name="heartbeat", daemon=True).start()
    return stop


def serve_metrics(host: str, port: int) -> None:
    """Serve this process's Prometheus metrics (inference, backpressure, Telegram calls)."""
    try:
        start_http_server(port, addr=host)
    except OSError as exc:  # another worker on this host has the port
        log.warning("metrics_port_busy", port=port, error=str(exc))
    else:
        log.info("metrics_served", url=f"http://{host}:{port}/metrics")
