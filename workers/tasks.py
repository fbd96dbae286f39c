"""Thin Celery tasks: ids in, retries configured; the logic lives in workers.drain."""

from __future__ import annotations

import threading

from celery import Task

from core.queue import DRAIN_CHAT_TASK, QUEUE_NAME
from core.settings import get_settings
from workers.celery_app import app
from workers.drain import drain_chat as drain_chat_logic
from workers.heartbeat import serve_metrics, start_heartbeat
from workers.runtime import get_runtime
from workers.sweeper import start_sweeper

_background: list[threading.Event] = []


def enqueue(chat_id: int) -> None:
    """Enqueue the drain of a chat now."""
    drain_chat.apply_async(args=[chat_id], queue=QUEUE_NAME)


def enqueue_later(chat_id: int, delay: float) -> None:
    """Enqueue the drain of a chat after a delay (a transient failure)."""
    drain_chat.apply_async(args=[chat_id], queue=QUEUE_NAME, countdown=delay)


@app.task(name=DRAIN_CHAT_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def drain_chat(self: Task, chat_id: int) -> None:  # type: ignore[type-arg,unused-ignore]
    """Answer the open messages of one chat, in order."""
    drain_chat_logic(
        get_runtime(get_settings()), int(chat_id), enqueue=enqueue, enqueue_later=enqueue_later
    )


def start_background() -> None:
    """Start the sweeper, the heartbeat and the metrics endpoint (at worker start-up)."""
    settings = get_settings()
    runtime = get_runtime(settings)
    _background.extend([start_sweeper(runtime, enqueue), start_heartbeat(runtime)])
    if settings.worker_metrics_port:
        serve_metrics(settings.host, settings.worker_metrics_port)


def stop_background() -> None:
    """Stop the sweeper and the heartbeat."""
    for stop in _background:
        stop.set()
