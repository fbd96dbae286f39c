"""Prometheus metrics of the Telegram-facing side."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

UPDATES = Counter("parley_updates_total", "Updates received, by outcome", ["source", "outcome"])
INTAKE_SECONDS = Histogram(
    "parley_intake_seconds",
    "Time to store and enqueue one update",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
TELEGRAM_CALLS = Counter(
    "parley_telegram_calls_total", "Bot API calls made, by method and result", ["method", "result"]
)
