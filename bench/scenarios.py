"""The five scenarios: their sizes (small but meaningful on two cores) and their targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.chat_run import run_chat
from bench.intake_run import run_intake
from bench.stack import StackOptions
from bench.targets import INTEGRITY, Target
from bench.workload import WorkloadConfig

Runner = Callable[[StackOptions, WorkloadConfig, Path], dict[str, Any]]


@dataclass(frozen=True)
class Scenario:
    """A named run with its default system, workload and targets."""

    name: str
    summary: str
    stack: StackOptions
    workload: WorkloadConfig
    targets: tuple[Target, ...]
    intake: bool = False


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "intake", "durable webhook acknowledgements on one core (no workers)",
            StackOptions(workers=0), WorkloadConfig(),
            (
                Target("webhook updates/s", ("webhook", "per_second"), ">=", 3000, "/s"),
                Target("webhook ack p99", ("webhook", "latency_ms", "p99"), "<", 10, " ms"),
                Target("acknowledged but not stored", ("webhook", "durable_missing"), "==", 0),
            ),
            intake=True,
        ),
        Scenario(
            "overhead", "pipeline overhead with 500 concurrent conversations",
            StackOptions(workers=2),
            WorkloadConfig(users=500, turns=2, arrival_rate=20, think_time=20),
            (
                Target("pipeline overhead p50", ("pipeline_overhead_ms", "p50"), "<", 20, " ms"),
                Target("pipeline overhead p99", ("pipeline_overhead_ms", "p99"), "<", 100, " ms"),
                *INTEGRITY,
            ),
        ),
        Scenario(
            "streams", "one worker process holding 512 concurrent streams",
            StackOptions(workers=1, worker_concurrency=512, sim_speed=0.025,
                         output_tokens_min=8, output_tokens_max=8),
            WorkloadConfig(users=512, turns=1, arrival_rate=200, think_time=0),
            (
                Target("concurrent streams", ("peak_model_running_requests",), ">=", 512),
                Target("worker peak RSS", ("worker_peak_rss_mib", "worker0"), "<", 1024, " MiB"),
                *INTEGRITY,
            ),
        ),
        Scenario(
            "cache", "prefix-cache hit ratio on a 10-turn workload",
            StackOptions(workers=1, sim_speed=10, output_tokens_min=40, output_tokens_max=160),
            WorkloadConfig(users=16, turns=10, arrival_rate=4, think_time=1.5),
            (Target("prefix-cache hit ratio", ("prefix_cache_hit_ratio",), ">=", 0.9),
             *INTEGRITY),
        ),
        Scenario(
            "flood", "Telegram 429s with 1,000 concurrent chats under the sandbox's limits",
            StackOptions(workers=2, sim_speed=2, output_tokens_min=20, output_tokens_max=80),
            WorkloadConfig(users=1000, turns=1, arrival_rate=50, think_time=0),
            (Target("Telegram 429s", ("telegram_429s",), "==", 0), *INTEGRITY),
        ),
    )
}


def run_scenario(scenario: Scenario, stack: StackOptions, workload: WorkloadConfig,
                 workdir: Path, intake_connections: int, intake_duration: float) -> dict[str, Any]:
    """Run one scenario; return its metrics, the verdict of each target and the raw turns."""
    if scenario.intake:
        metrics = run_intake(replace(stack, workers=0), workdir,
                             connections=intake_connections, duration=intake_duration)
        turns: list[dict[str, Any]] = []
    else:
        outcome = run_chat(stack, workload, workdir, scenario.name)
        metrics, turns = outcome["metrics"], outcome["turns"]
    return {
        "summary": scenario.summary,
        "stack": {k: v for k, v in vars(stack).items() if k != "extra_env"},
        "workload": vars(workload) if not scenario.intake else None,
        "metrics": metrics,
        "targets": [t.verdict(metrics) for t in scenario.targets],
        "turns": turns,
    }
