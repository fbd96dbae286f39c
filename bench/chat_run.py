"""One chat run: start the system, warm it up, play the users, collect and reduce the results."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import collect
from bench.driver import Driver, Turn
from bench.metrics import Observed, chat_metrics
from bench.monitor import Monitor
from bench.stack import BenchStack, StackOptions, running_stack
from bench.workload import UserPlan, WorkloadConfig, plan_users

WARMUP_CHAT = 1
WARMUP_TIMEOUT = 120.0
SETTLE_GRACE = 30.0


def run_chat(options: StackOptions, workload: WorkloadConfig, workdir: Path,
             label: str) -> dict[str, Any]:
    """Run `workload` against a fresh system; return its metrics and the raw turns."""
    plans = plan_users(workload)
    chat_ids = range(workload.first_chat_id, workload.first_chat_id + workload.users)
    with running_stack(options, workdir) as stack:
        _warm_up(stack)
        baseline_429s = collect.sandbox_429s(stack.sandbox_url)
        monitor = Monitor({f"worker{i}": w.pid for i, w in enumerate(stack.workers)})
        monitor.start()
        try:
            turns = _play(stack, plans, workload, label)
        finally:
            monitor.stop()
        remaining = collect.wait_settled(stack.database_url, chat_ids, SETTLE_GRACE)
        observed = _observe(stack, turns, chat_ids, monitor, baseline_429s)
    metrics = chat_metrics(observed)
    metrics["open_after_grace"] = remaining
    return {"metrics": metrics, "turns": [t.as_json() for t in turns]}


def _warm_up(stack: BenchStack) -> None:
    """One answered message first, so that start-up is not measured."""
    plan = UserPlan(WARMUP_CHAT, "en", 0.0, ("Hello!",), (0.0,))
    turns = asyncio.run(Driver(stack.sandbox_url, WARMUP_TIMEOUT).run([plan]))
    if turns[0].final_at is None:
        raise RuntimeError(f"warm-up message not answered: {turns[0].error}")


def _play(stack: BenchStack, plans: list[UserPlan], workload: WorkloadConfig,
          label: str) -> list[Turn]:
    total = sum(len(p.texts) for p in plans)
    with tqdm(total=total, desc=label, unit="turn", dynamic_ncols=True, mininterval=1.0) as bar:
        driver = Driver(stack.sandbox_url, workload.turn_timeout, lambda _t: bar.update(1))
        return asyncio.run(driver.run(plans))


def _observe(stack: BenchStack, turns: list[Turn], chat_ids: range, monitor: Monitor,
             baseline_429s: int) -> Observed:
    timings, peak = collect.model_timings(stack.sim_url)
    return Observed(
        turns=turns,
        stored=collect.read_database(stack.database_url, chat_ids),
        model=timings,
        peak_model_running=peak,
        bot_messages=collect.bot_messages_per_turn(stack.sandbox_url, list(chat_ids)),
        too_many_requests=collect.sandbox_429s(stack.sandbox_url) - baseline_429s,
        workers=monitor.usage,
        machine_cpu_percent=monitor.machine_cpu_percent,
    )
