"""Live state that is not in the database: queue depth, workers alive, the model server's load.

Every part fails soft: what cannot be read is None and the dashboard shows it as unknown.

Worker heartbeat contract: every Celery worker process sets the Redis key
`parley:workers:<hostname>` (WORKER_KEY_PREFIX + hostname) to a small JSON object, with a TTL
of WORKER_HEARTBEAT_TTL seconds, and refreshes it every WORKER_HEARTBEAT_INTERVAL seconds
(`refresh_worker_heartbeat` does exactly that). A worker that stops refreshing disappears from
the count when its key expires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from core.heartbeat import WORKER_KEY_PREFIX
from core.settings import Settings

QUEUE_NAME = "parley"
TIMEOUT_SECONDS = 1.5

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelServerState:
    """What the model server's /metrics says (SGLang names); None where unknown."""

    running_requests: float | None = None
    queued_requests: float | None = None
    kv_cache_usage: float | None = None
    prefix_cache_hit_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """A snapshot of the live state; any field may be None (unknown)."""

    queue_depth: int | None = None
    workers_alive: int | None = None
    workers: list[str] = field(default_factory=list)
    model: ModelServerState = field(default_factory=ModelServerState)


@runtime_checkable
class StatusProbe(Protocol):
    """Reads the live state shown on the Overview page; must never raise."""

    async def snapshot(self) -> LiveStatus:
        """The current state, with None for whatever could not be read."""
        ...


class UnknownProbe:
    """A probe that knows nothing (used when no probe is wired)."""

    async def snapshot(self) -> LiveStatus:
        """Everything unknown."""
        return LiveStatus()


def _sample_total(families: dict[str, list[float]], name: str) -> float | None:
    values = families.get(name)
    return sum(values) if values else None


def parse_sglang_metrics(text: str) -> ModelServerState:
    """Read SGLang's Prometheus text: running/queued requests, KV-cache use, prefix-cache hits.

    Values of several label sets (e.g. one per data-parallel rank) are added up; the KV-cache
    use is averaged. The hit ratio is cached_tokens_total / prompt_tokens_total.
    """
    samples: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(float(sample.value))
    usage = samples.get("sglang:token_usage")
    cached = _sample_total(samples, "sglang:cached_tokens_total")
    prompt = _sample_total(samples, "sglang:prompt_tokens_total")
    return ModelServerState(
        running_requests=_sample_total(samples, "sglang:num_running_reqs"),
        queued_requests=_sample_total(samples, "sglang:num_queue_reqs"),
        kv_cache_usage=sum(usage) / len(usage) if usage else None,
        prefix_cache_hit_ratio=(cached / prompt) if cached is not None and prompt else None,
    )


class RedisStatusProbe:
    """The default probe: Redis for the queue and the worker heartbeats, HTTP for /metrics."""

    def __init__(
        self, redis_url: str, metrics_url: str | None, queue: str = QUEUE_NAME,
        *, transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.metrics_url = metrics_url
        self.queue = queue
        self.transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStatusProbe:
        """A probe aimed at the configured Redis and model server."""
        return cls(settings.effective_redis_url, settings.effective_inference_url + "/metrics")

    async def snapshot(self) -> LiveStatus:
        """Read everything; each part that fails is left unknown."""
        depth, workers = await self._redis_state()
        model = await self._model_state()
        return LiveStatus(
            queue_depth=depth,
            workers_alive=None if workers is None else len(workers),
            workers=sorted(workers or []),
            model=model,
        )

    async def _redis_state(self) -> tuple[int | None, list[str] | None]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(
            self.redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        try:
            depth = await self._queue_depth(client)
            workers = [
                (key.decode() if isinstance(key, bytes) else str(key))[len(WORKER_KEY_PREFIX) :]
                async for key in client.scan_iter(match=WORKER_KEY_PREFIX + "*", count=500)
            ]
            return depth, workers
        except Exception as exc:  # soft failure: the page shows "unknown"
            log.warning("admin probe: Redis unavailable (%s)", type(exc).__name__)
            return None, None
        finally:
            await client.aclose()

    async def _queue_depth(self, client: Any) -> int:
        """Length of the Celery queue list, plus its priority lists when there are any."""
        depth = int(await client.llen(self.queue))
        async for key in client.scan_iter(match=self.queue + "\x06\x16*", count=100):
            depth += int(await client.llen(key))
        return depth

    async def _model_state(self) -> ModelServerState:
        if not self.metrics_url:
            return ModelServerState()
        try:
            async with httpx.AsyncClient(
                timeout=TIMEOUT_SECONDS, transport=self.transport
            ) as client:
                response = await client.get(self.metrics_url)
                response.raise_for_status()
            return parse_sglang_metrics(response.text)
        except Exception as exc:  # soft failure: the page shows "unknown"
            log.warning("admin probe: model server metrics unavailable (%s)", type(exc).__name__)
            return ModelServerState()
