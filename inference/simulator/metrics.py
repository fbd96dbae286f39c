"""SGLang's Prometheus metrics (reference §2.9), in a registry of the simulator's own."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)
TOKEN_BUCKETS = (16, 64, 256, 1024, 4096, 16384, 65536, 262144)


class SimulatorMetrics:
    """The counters, gauges and histograms a real SGLang server exports with --enable-metrics."""

    def __init__(self, model_name: str) -> None:
        """Create the metrics, labelled with the served model name."""
        self.registry = CollectorRegistry()
        self.labels = {"model_name": model_name, "engine_type": "unified", "tp_rank": "0"}
        names = list(self.labels)
        reg = self.registry
        self.prompt_tokens = Counter(
            "sglang:prompt_tokens", "Prefill tokens", [*names, "is_streaming"], registry=reg
        )
        self.generation_tokens = Counter(
            "sglang:generation_tokens", "Generated tokens", names, registry=reg
        )
        self.cached_tokens = Counter(
            "sglang:cached_tokens",
            "Prompt tokens served from the prefix cache",
            [*names, "cache_source"],
            registry=reg,
        )
        self.num_requests = Counter("sglang:num_requests", "Finished requests", names, registry=reg)
        self.num_aborted = Counter(
            "sglang:num_aborted_requests", "Aborted requests", names, registry=reg
        )
        self.evicted_tokens = Counter(
            "sglang:evicted_tokens", "Tokens evicted from the prefix cache", names, registry=reg
        )
        self.ttft = self._histogram(
            "sglang:time_to_first_token_seconds", "Time to first token", ["is_streaming"]
        )
        self.e2e = self._histogram("sglang:e2e_request_latency_seconds", "End-to-end latency")
        self.itl = self._histogram("sglang:inter_token_latency_seconds", "Inter-token latency")
        self.tpot = self._histogram(
            "sglang:request_time_per_output_token_seconds", "Time per output token"
        )
        self.queue_time = self._histogram("sglang:queue_time_seconds", "Time waiting in queue")
        self.prompt_hist = self._histogram(
            "sglang:prompt_tokens_histogram", "Prompt tokens per request", buckets=TOKEN_BUCKETS
        )
        self.generation_hist = self._histogram(
            "sglang:generation_tokens_histogram", "Output tokens per request", buckets=TOKEN_BUCKETS
        )

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """Register a gauge computed at scrape time."""
        gauge = Gauge(name, documentation, list(self.labels), registry=self.registry)
        gauge.labels(**self.labels).set_function(read)

    def _histogram(
        self,
        name: str,
        documentation: str,
        extra: list[str] | None = None,
        buckets: tuple[float, ...] = LATENCY_BUCKETS,
    ) -> Histogram:
        return Histogram(
            name,
            documentation,
            [*self.labels, *(extra or [])],
            buckets=buckets,
            registry=self.registry,
        )
