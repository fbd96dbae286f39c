"""`parley bench`: start the whole system on loopback, load it, report against the targets."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from bench.report import machine, render, write_results
from bench.scenarios import SCENARIOS, Scenario, run_scenario
from bench.stack import StackOptions
from bench.workload import WorkloadConfig

WORKLOAD_FIELDS = {
    "users": "users", "turns": "turns", "arrival_rate": "arrival_rate",
    "think_time": "think_time", "turn_timeout": "turn_timeout", "seed": "seed",
}
STACK_FIELDS = {
    "workers": "workers", "worker_concurrency": "worker_concurrency", "speed": "sim_speed",
    "inference_url": "inference_url", "inference_model": "inference_model",
    "database_url": "database_url",
}


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `parley bench`; unset sizes keep each scenario's defaults."""
    parser.add_argument("--scenario", choices=["all", *SCENARIOS], default="all")
    sizes = parser.add_argument_group("workload (default: per scenario)")
    sizes.add_argument("--users", type=int, help="simulated people, one private chat each")
    sizes.add_argument("--turns", type=int, help="messages per person")
    sizes.add_argument("--arrival-rate", type=float, help="people starting per second (Poisson)")
    sizes.add_argument("--think-time", type=float, help="mean seconds before the next turn")
    sizes.add_argument("--message-chars", type=int, nargs=2, metavar=("MIN", "MAX"))
    sizes.add_argument("--output-tokens", type=int, nargs=2, metavar=("MIN", "MAX"),
                       help="simulator answer length, uniform")
    sizes.add_argument("--turn-timeout", type=float, help="seconds to wait for one answer")
    sizes.add_argument("--seed", type=int)
    system = parser.add_argument_group("system")
    system.add_argument("--workers", type=int, help="worker processes")
    system.add_argument("--worker-concurrency", type=int, help="threads (streams) per worker")
    system.add_argument("--speed", type=float, help="simulator speed factor (1 = Maverick)")
    system.add_argument("--inference-url", help="a real model server instead of the simulator")
    system.add_argument("--inference-model", help="its served model name")
    system.add_argument("--database-url", help="PostgreSQL server (a fresh database is made)")
    system.add_argument("--postgres", action="store_true", help="embedded PostgreSQL")
    system.add_argument("--no-flood-limits", action="store_true",
                        help="turn off the sandbox's Telegram limits")
    system.add_argument("--intake-connections", type=int, default=64)
    system.add_argument("--intake-duration", type=float, default=8.0)
    system.add_argument("--workdir", type=Path, help="keep logs and data here")
    system.add_argument("--results-dir", type=Path, help="where the JSON goes")


def bench_main(args: argparse.Namespace) -> int:
    """Run the chosen scenarios, print the table, write the JSON; 0 unless a run failed."""
    signal.signal(signal.SIGTERM, _interrupt)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                    if k not in ("func", "handler")},
        "scenarios": {},
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        root = args.workdir or Path(tmp)
        try:
            for name in names:
                failed |= not _one(SCENARIOS[name], args, root / name, results)
        except KeyboardInterrupt:
            print("\ninterrupted: every process was stopped", file=sys.stderr)
            failed = True
    print(render(results))
    kwargs = {"directory": args.results_dir} if args.results_dir else {}
    print(f"\nresults: {write_results(results, **kwargs)}")
    return 1 if failed else 0


def _one(scenario: Scenario, args: argparse.Namespace, workdir: Path,
         results: dict[str, Any]) -> bool:
    try:
        results["scenarios"][scenario.name] = run_scenario(
            scenario, stack_options(scenario, args), workload_config(scenario, args), workdir,
            args.intake_connections, args.intake_duration,
        )
        return True
    except (RuntimeError, TimeoutError, OSError) as exc:
        results["scenarios"][scenario.name] = {"summary": scenario.summary, "error": str(exc)}
        return False


def stack_options(scenario: Scenario, args: argparse.Namespace) -> StackOptions:
    """The scenario's system with the options given on the command line."""
    changes: dict[str, Any] = {
        field: getattr(args, option) for option, field in STACK_FIELDS.items()
        if getattr(args, option, None) is not None
    }
    if args.output_tokens:
        changes["output_tokens_min"], changes["output_tokens_max"] = args.output_tokens
    if args.postgres:
        changes["postgres"] = True
    if args.no_flood_limits:
        changes["flood_limits"] = False
    if scenario.name == "streams":
        changes["workers"] = 1  # the target is about one process
    return replace(scenario.stack, **changes)


def workload_config(scenario: Scenario, args: argparse.Namespace) -> WorkloadConfig:
    """The scenario's workload with the sizes given on the command line."""
    changes: dict[str, Any] = {
        field: getattr(args, option) for option, field in WORKLOAD_FIELDS.items()
        if getattr(args, option, None) is not None
    }
    if args.message_chars:
        changes["message_chars_min"], changes["message_chars_max"] = args.message_chars
    return replace(scenario.workload, **changes)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """`python -m bench ...`."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add_bench_arguments(parser)
    return bench_main(parser.parse_args(argv))
