"""The live-state probe: SGLang metrics parsing, Redis queue and worker heartbeats, soft failure."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis

from admin.probe import (
    LiveStatus,
    ModelServerState,
    RedisStatusProbe,
    StatusProbe,
    UnknownProbe,
    parse_sglang_metrics,
)
from core.heartbeat import WORKER_HEARTBEAT_TTL, refresh_worker_heartbeat, worker_key
from tests.fixtures.redis_server import free_port

SGLANG_METRICS = """\
# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{model_name="m",dp_rank="0"} 12.0
sglang:num_running_reqs{model_name="m",dp_rank="1"} 3.0
# HELP sglang:num_queue_reqs The number of requests in the waiting queue.
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{model_name="m",dp_rank="0"} 2.0
# HELP sglang:token_usage The token usage.
# TYPE sglang:token_usage gauge
sglang:token_usage{model_name="m",dp_rank="0"} 0.5
sglang:token_usage{model_name="m",dp_rank="1"} 0.3
# HELP sglang:prompt_tokens_total Number of prefill tokens processed.
# TYPE sglang:prompt_tokens_total counter
sglang:prompt_tokens_total{model_name="m"} 1000.0
# HELP sglang:cached_tokens_total Number of cached prompt tokens.
# TYPE sglang:cached_tokens_total counter
sglang:cached_tokens_total{model_name="m"} 250.0
"""


def test_parse_sglang_metrics():
    state = parse_sglang_metrics(SGLANG_METRICS)
    assert (state.running_requests, state.queued_requests) == (15.0, 2.0)
    assert state.kv_cache_usage == pytest.approx(0.4)
    assert state.prefix_cache_hit_ratio == pytest.approx(0.25)
    assert parse_sglang_metrics("") == ModelServerState()
    assert parse_sglang_metrics("other_metric 1\n").running_requests is None


def _metrics_transport(status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, text=SGLANG_METRICS))


def test_probe_reads_redis_and_metrics(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.delete("parley")
    client.rpush("parley", "a", "b", "c")
    client.rpush("parley\x06\x163", "d")
    refresh_worker_heartbeat(client, "w-1", {"pid": 1})
    refresh_worker_heartbeat(client, "w-2", {"pid": 2})
    assert 0 < client.ttl(worker_key("w-1")) <= WORKER_HEARTBEAT_TTL
    probe = RedisStatusProbe(redis_url, "http://model/metrics", transport=_metrics_transport())
    assert isinstance(probe, StatusProbe)
    status = asyncio.run(probe.snapshot())
    assert status.queue_depth == 4
    assert status.workers_alive == 2 and status.workers == ["w-1", "w-2"]
    assert status.model.running_requests == 15.0
    client.delete(worker_key("w-1"), worker_key("w-2"), "parley", "parley\x06\x163")


def test_probe_fails_soft():
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    probe = RedisStatusProbe(dead_redis, "http://model/metrics", transport=_metrics_transport(503))
    assert asyncio.run(probe.snapshot()) == LiveStatus()
    no_metrics = RedisStatusProbe(dead_redis, None)
    assert asyncio.run(no_metrics.snapshot()).model == ModelServerState()
    assert asyncio.run(UnknownProbe().snapshot()) == LiveStatus()
