"""A tiny benchmark run: the whole system starts, answers everyone once, and reports every metric.

No timing assertions: performance targets belong to the benchmark, not to the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main

pytestmark = pytest.mark.slow

CHAT_METRICS = {
    "duration_s", "turns_sent", "turns_answered", "requests_per_s", "output_tokens_per_s",
    "peak_concurrent_turns", "peak_model_running_requests", "ttft_ms",
    "time_to_first_visible_ms", "e2e_latency_ms", "model_e2e_ms", "model_tpot_ms",
    "pipeline_overhead_ms", "prompt_tokens", "cached_tokens", "prefix_cache_hit_ratio",
    "worker_cpu_seconds", "worker_peak_rss_mib", "machine_cpu_percent", "telegram_429s",
    "messages_lost", "messages_failed", "messages_duplicated", "open_after_grace",
}
PERCENTILES = {"n", "mean", "p50", "p90", "p99", "max"}


def _results(directory: Path) -> dict[str, Any]:
    [path] = directory.glob("*.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_tiny_chat_run_answers_everyone_once(tmp_path: Path) -> None:
    code = main([
        "--scenario", "overhead", "--users", "3", "--turns", "2", "--think-time", "0.2",
        "--arrival-rate", "5", "--speed", "20", "--output-tokens", "10", "30",
        "--workers", "1", "--worker-concurrency", "8", "--turn-timeout", "40",
        "--workdir", str(tmp_path / "work"), "--results-dir", str(tmp_path / "results"),
    ])
    assert code == 0
    scenario = _results(tmp_path / "results")["scenarios"]["overhead"]
    metrics = scenario["metrics"]
    assert set(metrics) >= CHAT_METRICS
    for key in ("ttft_ms", "time_to_first_visible_ms", "e2e_latency_ms", "pipeline_overhead_ms"):
        assert set(metrics[key]) == PERCENTILES
        assert metrics[key]["n"] == 6
    assert metrics["turns_answered"] == metrics["turns_sent"] == 6
    assert metrics["messages_lost"] == 0
    assert metrics["messages_duplicated"] == 0
    assert {row["status"] for row in scenario["targets"]} <= {"PASS", "NOT MET"}


def test_tiny_intake_run_stores_every_acknowledged_update(tmp_path: Path) -> None:
    code = main([
        "--scenario", "intake", "--intake-connections", "4", "--intake-duration", "1",
        "--workdir", str(tmp_path / "work"), "--results-dir", str(tmp_path / "results"),
    ])
    assert code == 0
    metrics = _results(tmp_path / "results")["scenarios"]["intake"]["metrics"]
    for run in ("empty_endpoint", "webhook"):
        assert metrics[run]["acknowledged"] > 0
        assert set(metrics[run]["latency_ms"]) == PERCENTILES
    assert metrics["webhook"]["durable_missing"] == 0
