"""Prometheus counters of the inference client (process-wide, default registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "parley_inference_requests",
    "Chat streams started by the inference client (one per stream_chat call).",
)
ATTEMPTS = Counter(
    "parley_inference_attempts",
    "HTTP attempts made for chat streams, including retries.",
)
RETRIES = Counter(
    "parley_inference_retries",
    "Chat attempts retried, by reason (http_503, inband_503, timeout, connection, ...).",
    ["reason"],
)
ERRORS = Counter(
    "parley_inference_errors",
    "Chat streams that failed, by kind of error.",
    ["kind"],
)
TIME_TO_FIRST_TOKEN = Histogram(
    "parley_inference_time_to_first_token_seconds",
    "Seconds from stream_chat being called to the first non-empty text delta (retries included).",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60),
)
BACKPRESSURE_WAIT = Histogram(
    "parley_inference_backpressure_wait_seconds",
    "Seconds a stream waited for a slot because the model server reported a full queue.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
CONCURRENCY_LIMIT = Gauge(
    "parley_inference_concurrency_limit",
    "Streams this process may have in flight now (lowered when the server's queue is full).",
)
OVERLOADS = Counter(
    "parley_inference_overloads",
    "Times the model server (or router) answered that its queue is full (503/429).",
)
