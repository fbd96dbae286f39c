"""The Celery application of the workers (run with the threads pool; see README)."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready, worker_shutdown

from core.queue import make_celery
from core.settings import get_settings

app = make_celery(get_settings().effective_redis_url)
app.conf.include = ["workers.tasks"]


@worker_ready.connect
def _start_background(**_: Any) -> None:
    from workers.tasks import start_background

    start_background()


@worker_shutdown.connect
def _stop_background(**_: Any) -> None:
    from workers.tasks import stop_background

    stop_background()
