"""The results: the machine, a table on screen and a JSON file in bench/results/."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATENCIES = ("ttft_ms", "time_to_first_visible_ms", "e2e_latency_ms", "pipeline_overhead_ms")


def machine() -> dict[str, Any]:
    """CPUs, CPU model, RAM and Python of this host."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(), "cpu_model": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "load_average_at_start": os.getloadavg(),
    }


def write_results(results: dict[str, Any], directory: Path = RESULTS_DIR) -> Path:
    """Write the results to `<directory>/<UTC timestamp>.json` and return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return path


def render(results: dict[str, Any]) -> str:
    """The results table: per scenario its key numbers, then target / measured / verdict."""
    lines = [f"Parley benchmark, {results['date']}, {_machine_line(results['machine'])}"]
    for name, scenario in results["scenarios"].items():
        lines += ["", f"== {name}: {scenario['summary']}"]
        if "error" in scenario:
            lines.append(f"   ERROR: {scenario['error']}")
            continue
        lines += _numbers(scenario["metrics"])
        lines += [f"   {'target':<44} {'measured':>12}  verdict"]
        for row in scenario["targets"]:
            lines.append(f"   {row['target']:<44} {_fmt(row['measured']):>12}  {row['status']}")
    return "\n".join(lines)


def _machine_line(m: dict[str, Any]) -> str:
    return f"{m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM"


def _numbers(metrics: dict[str, Any]) -> list[str]:
    if "webhook" in metrics:
        return [_intake_line("empty endpoint (ceiling)", metrics["empty_endpoint"]),
                _intake_line("webhook (durable)", metrics["webhook"])]
    lines = [
        f"   turns {metrics['turns_answered']}/{metrics['turns_sent']} answered in "
        f"{metrics['duration_s']} s: {metrics['requests_per_s']} req/s, "
        f"{metrics['output_tokens_per_s']} output tok/s, peak concurrent turns "
        f"{metrics['peak_concurrent_turns']}, model running peak "
        f"{metrics['peak_model_running_requests']}",
    ]
    for key in LATENCIES:
        s = metrics[key]
        lines.append(f"   {key:<28} p50 {_fmt(s['p50']):>9}  p90 {_fmt(s['p90']):>9}  "
                     f"p99 {_fmt(s['p99']):>9}  (n={s['n']})")
    lines.append(
        f"   cache hit {_fmt(metrics['prefix_cache_hit_ratio'])}, worker CPU "
        f"{metrics['worker_cpu_seconds']} s, peak RSS {metrics['worker_peak_rss_mib']} MiB, "
        f"429s {metrics['telegram_429s']}, lost {metrics['messages_lost']}, failed "
        f"{metrics['messages_failed']}, duplicated {metrics['messages_duplicated']}"
    )
    return lines


def _intake_line(label: str, run: dict[str, Any]) -> str:
    lat = run["latency_ms"]
    return (f"   {label:<26} {run['per_second']:>8}/s  ack p50 {_fmt(lat['p50'])} ms, "
            f"p99 {_fmt(lat['p99'])} ms, server CPU {run['server_cpu_percent']} %, "
            f"client CPU {run['client_cpu_percent']} %")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)
