"""The job queue seen from producers: Celery configuration and enqueueing by task name."""

from __future__ import annotations

from typing import Any, Protocol

from celery import Celery

QUEUE_NAME = "parley"
DRAIN_CHAT_TASK = "parley.drain_chat"
# Redis re-delivers an unacknowledged job after this long; lost work is normally
# re-enqueued much sooner by the worker's sweeper (see workers/sweeper.py).
VISIBILITY_TIMEOUT_SECONDS = 3600


class Enqueuer(Protocol):
    """Something that can schedule the answering of a chat's pending messages."""

    def drain_chat(self, chat_id: int) -> None:
        """Schedule the processing of a chat's open messages, in order."""


def celery_config(redis_url: str) -> dict[str, Any]:
    """Celery settings for long, I/O-bound, idempotent jobs on Redis."""
    transport = {
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "max_retries": 3,
    }
    return {
        "broker_url": redis_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_default_queue": QUEUE_NAME,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
    }


def make_celery(redis_url: str, name: str = "parley") -> Celery:
    """A Celery app configured for Parley (used by producers and by the worker)."""
    app = Celery(name)
    app.conf.update(celery_config(redis_url))
    return app


class CeleryEnqueuer:
    """Enqueues jobs by task name, so producers never import the worker's code."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def drain_chat(self, chat_id: int) -> None:
        """Send the drain job for a chat to the worker queue."""
        self._app.send_task(DRAIN_CHAT_TASK, args=[chat_id], queue=QUEUE_NAME)
