"""The simulated SGLang engine: in-flight requests, prefix cache, timing, faults and metrics."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from inference.simulator import tokenizer
from inference.simulator.config import FaultSpec, SimulatorConfig
from inference.simulator.metrics import SimulatorMetrics
from inference.simulator.radix import RadixCache
from inference.simulator.scheduler import Scheduler
from inference.simulator.text import Answer
from inference.simulator.timing import prefill_seconds, time_per_output_token

RECENT_REQUESTS = 64


class DuplicateRidError(ValueError):
    """A request reused the rid of one still in flight."""


@dataclass(eq=False)
class Generation:
    """One request being served, and what happened to it."""

    rid: str
    prompt_ids: list[int]
    answer: Answer
    streaming: bool
    fault: FaultSpec | None = None
    arrived: float = field(default_factory=time.monotonic)
    output: list[str] = field(default_factory=list)
    cached_tokens: int = 0
    finish_reason: str | None = None
    abort_requested: bool = False
    fault_hit: bool = False
    first_token_at: float | None = None

    @property
    def matched_stop(self) -> int | None:
        """The stop token id for a natural stop (<|eot|>), else None."""
        return tokenizer.EOT if self.finish_reason == "stop" else None

    @property
    def tokens(self) -> int:
        """KV tokens the request holds: prompt plus output so far."""
        return len(self.prompt_ids) + len(self.output)


@dataclass
class Stats:
    """Counters the admin route reports, for tests."""

    requests: int = 0
    completed: int = 0
    aborted: int = 0
    faults_injected: int = 0
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_REQUESTS))


class Engine:
    """Everything the HTTP routes share; one per simulator app, used from one event loop."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Build the engine's state from the configuration."""
        self.config = config
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.metrics = SimulatorMetrics(config.served_model_name)
        self.cache = RadixCache(config.kv_pool_tokens)
        self.scheduler: Scheduler[Generation] = Scheduler(
            config.max_running_requests, config.max_queued_requests
        )
        self.in_flight: dict[str, Generation] = {}
        self.faults: deque[FaultSpec] = deque(FaultSpec(**vars(f)) for f in config.faults)
        self.stats = Stats()
        self.last_hit_rate = 0.0
        self._evicted_reported = 0
        self._generated: deque[tuple[float, int]] = deque()
        self._register_gauges()

    @property
    def ready(self) -> bool:
        """False during the configured start-up window (/health answers 503)."""
        return time.monotonic() - self.started >= self.config.startup_seconds

    def used_tokens(self) -> int:
        """KV tokens held by running requests."""
        return sum(gen.tokens for gen in self.scheduler.running)

    def register(self, gen: Generation) -> None:
        """Track a request by rid; a duplicate in-flight rid is refused as SGLang does."""
        if gen.rid in self.in_flight:
            raise DuplicateRidError(f"Duplicate request ID detected: {gen.rid}")
        self.in_flight[gen.rid] = gen

    def unregister(self, gen: Generation) -> None:
        """Forget a request's rid (idempotent)."""
        if self.in_flight.get(gen.rid) is gen:
            del self.in_flight[gen.rid]

    def take_fault(self) -> FaultSpec | None:
        """The fault for the next request, if any is armed."""
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.count -= 1
        if fault.count <= 0:
            self.faults.popleft()
        self.stats.faults_injected += 1
        return fault

    def abort(self, rid: str | None, *, abort_all: bool = False) -> None:
        """Abort one request by rid, or all; unknown rids are ignored."""
        targets = list(self.in_flight.values()) if abort_all else [self.in_flight.get(rid or "")]
        for gen in targets:
            if gen is not None:
                gen.abort_requested = True
                self.scheduler.withdraw(gen)

    async def run(self, gen: Generation) -> AsyncIterator[str]:
        """Queue, prefill and decode a request, yielding its output pieces at the modelled pace.

        Ends early on abort or on an injected fault; `gen.finish_reason` says how it ended.
        """
        queued_at = time.monotonic()
        admitted = await self.scheduler.admit(gen)
        try:
            self.metrics.queue_time.labels(**self.metrics.labels).observe(
                time.monotonic() - queued_at
            )
            if admitted:
                async for piece in self._decode(gen):
                    yield piece
        finally:
            self._finish(gen)

    async def _decode(self, gen: Generation) -> AsyncIterator[str]:
        config = self.config
        gen.cached_tokens = self.cache.match(gen.prompt_ids)
        self.last_hit_rate = gen.cached_tokens / max(1, len(gen.prompt_ids))
        uncached = len(gen.prompt_ids) - gen.cached_tokens
        await self._sleep(
            prefill_seconds(
                uncached,
                tokens_per_second=config.prefill_tokens_per_second,
                overhead=config.prefill_overhead_seconds,
            )
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        for index, piece in enumerate(gen.answer.pieces):
            if gen.abort_requested or await self._fault_stops(gen, index):
                break
            if index:
                deadline += self._tpot() / config.speed
                await asyncio.sleep(max(0.0, deadline - loop.time()))
            self._emit(gen, piece)
            yield piece
        else:
            if not await self._fault_stops(gen, len(gen.answer.pieces)):
                gen.finish_reason = gen.answer.finish_reason
        if gen.abort_requested:
            gen.finish_reason = "abort"

    async def _fault_stops(self, gen: Generation, index: int) -> bool:
        """Fire an armed stream fault before token `index`; True when the stream must stop."""
        fault = gen.fault
        if fault is None or fault.mode == "http" or gen.fault_hit or index < fault.after_tokens:
            return False
        gen.fault_hit = True
        if fault.mode == "stall":
            await asyncio.sleep(fault.stall_seconds)
            return False
        return True

    def _emit(self, gen: Generation, piece: str) -> None:
        now = time.monotonic()
        if gen.first_token_at is None:
            gen.first_token_at = now
        gen.output.append(piece)
        self._generated.append((now, 1))

    def _tpot(self) -> float:
        return time_per_output_token(len(self.scheduler.running), self.config.tpot_curve)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.config.speed)

    def _finish(self, gen: Generation) -> None:
        """Free the slot, count the request and cache its tokens."""
        self.scheduler.release(gen)
        self.unregister(gen)
        if gen.finish_reason is None and not gen.fault_hit:
            gen.finish_reason = "abort"
        self._observe(gen)
        ids = gen.prompt_ids + [tokenizer.piece_id(piece) for piece in gen.output]
        self.cache.insert(ids + ([tokenizer.EOT] if gen.finish_reason == "stop" else []))
        self.cache.evict(self.config.kv_pool_tokens - self.used_tokens())
        evicted = self.cache.evicted_tokens - self._evicted_reported
        self._evicted_reported = self.cache.evicted_tokens
        self.metrics.evicted_tokens.labels(**self.metrics.labels).inc(evicted)

    def _observe(self, gen: Generation) -> None:
        m, labels = self.metrics, self.metrics.labels
        streaming = str(gen.streaming).lower()
        now = time.monotonic()
        self.stats.completed += 1
        if gen.finish_reason == "abort":
            self.stats.aborted += 1
            m.num_aborted.labels(**labels).inc()
        m.num_requests.labels(**labels).inc()
        m.prompt_tokens.labels(**labels, is_streaming=streaming).inc(len(gen.prompt_ids))
        m.cached_tokens.labels(**labels, cache_source="device").inc(gen.cached_tokens)
        m.generation_tokens.labels(**labels).inc(len(gen.output))
        m.e2e.labels(**labels).observe(now - gen.arrived)
        m.prompt_hist.labels(**labels).observe(len(gen.prompt_ids))
        m.generation_hist.labels(**labels).observe(len(gen.output))
        if gen.first_token_at is not None:
            ttft = gen.first_token_at - gen.arrived
            m.ttft.labels(**labels, is_streaming=streaming).observe(ttft)
            if len(gen.output) > 1:
                per_token = (now - gen.first_token_at) / (len(gen.output) - 1)
                m.tpot.labels(**labels).observe(per_token)
                m.itl.labels(**labels).observe(per_token)

    def gen_throughput(self) -> float:
        """Output tokens per second over the last five seconds."""
        horizon = time.monotonic() - 5
        while self._generated and self._generated[0][0] < horizon:
            self._generated.popleft()
        return sum(n for _, n in self._generated) / 5

    def _register_gauges(self) -> None:
        pool = self.config.kv_pool_tokens
        gauges = {
            "sglang:num_running_reqs": lambda: len(self.scheduler.running),
            "sglang:num_queue_reqs": lambda: len(self.scheduler.waiting),
            "sglang:num_used_tokens": self.used_tokens,
            "sglang:token_usage": lambda: self.used_tokens() / pool,
            "sglang:gen_throughput": self.gen_throughput,
            "sglang:cache_hit_rate": lambda: self.last_hit_rate,
            "sglang:max_total_num_tokens": lambda: pool,
            "sglang:context_len": lambda: self.config.context_length,
            "sglang:kv_used_tokens": self.used_tokens,
            "sglang:kv_available_tokens": lambda: pool - self.used_tokens() - self.cache.size,
            "sglang:kv_evictable_tokens": lambda: self.cache.size,
            "sglang:num_retracted_reqs": lambda: 0,
        }
        for name, read in gauges.items():
            self.metrics.gauge(name, name.removeprefix("sglang:").replace("_", " "), read)
