"""The numbers of a chat run, with bench_serving's definitions where they overlap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.collect import Inbound, Reply, Stored
from bench.driver import Turn
from bench.monitor import TreeUsage
from bench.stats import peak_overlap, summarize
from bot.delivery.format import final_parts
from core.storage.models import Status

MIB = 1024 * 1024


@dataclass(frozen=True)
class Observed:
    """Everything collected after a run, before it is reduced to metrics."""

    turns: list[Turn]
    stored: Stored
    model: dict[str, list[Any]]
    peak_model_running: int | None
    bot_messages: dict[int, list[int]]
    too_many_requests: int
    workers: dict[str, TreeUsage]
    machine_cpu_percent: float


def chat_metrics(obs: Observed) -> dict[str, Any]:
    """Throughput, latencies, overhead, cache, resources, 429s, lost and duplicated."""
    answered = [t for t in obs.turns if t.final_at is not None]
    duration = _duration(obs.turns)
    pairs = [(t, obs.stored.inbound.get(t.update_id or -1)) for t in obs.turns]
    replies = [obs.stored.replies[m.id] for _, m in pairs if m and m.id in obs.stored.replies]
    output_tokens = sum(r.completion_tokens or 0 for r in replies)
    return {
        "duration_s": round(duration, 2),
        "turns_sent": sum(1 for t in obs.turns if t.update_id is not None),
        "turns_answered": len(answered),
        "requests_per_s": round(len(answered) / duration, 2) if duration else 0.0,
        "output_tokens_per_s": round(output_tokens / duration, 1) if duration else 0.0,
        "peak_concurrent_turns": peak_overlap(
            [(t.sent_at, t.final_at) for t in answered if t.final_at is not None]
        ),
        "peak_model_running_requests": obs.peak_model_running,
        "ttft_ms": summarize([float(r.ttft_ms) for r in replies if r.ttft_ms is not None]),
        "time_to_first_visible_ms": summarize(
            [(t.first_visible_at - t.sent_at) * 1000 for t in answered if t.first_visible_at]
        ),
        "e2e_latency_ms": summarize([_e2e_ms(t) for t in answered]),
        **_model_and_overhead(pairs, obs.model),
        **_cache(replies),
        **_resources(obs),
        "telegram_429s": obs.too_many_requests,
        **_integrity(pairs, obs),
    }


def _duration(turns: list[Turn]) -> float:
    sent = [t.sent_at for t in turns if t.sent_at]
    ends = [t.final_at for t in turns if t.final_at is not None]
    return max(ends) - min(sent) if sent and ends else 0.0


def _e2e_ms(turn: Turn) -> float:
    assert turn.final_at is not None
    return (turn.final_at - turn.sent_at) * 1000


def _model_and_overhead(pairs: list[tuple[Turn, Inbound | None]],
                        model: dict[str, list[Any]]) -> dict[str, Any]:
    """Model e2e and TPOT from the simulator, and overhead = user e2e - model e2e."""
    model_e2e: list[float] = []
    overhead: list[float] = []
    tpot: list[float] = []
    for turn, inbound in pairs:
        timing = model.get(f"parley-{inbound.id}-{inbound.attempts}") if inbound else None
        if timing is None or turn.final_at is None:
            continue
        e2e_s, ttft_s, _prompt, _cached, output = timing
        model_e2e.append(e2e_s * 1000)
        overhead.append(_e2e_ms(turn) - e2e_s * 1000)
        if ttft_s is not None and output > 1:
            tpot.append((e2e_s - ttft_s) * 1000 / (output - 1))
    return {
        "model_e2e_ms": summarize(model_e2e),
        "model_tpot_ms": summarize(tpot),
        "pipeline_overhead_ms": summarize(overhead),
    }


def _cache(replies: list[Reply]) -> dict[str, Any]:
    prompt = sum(r.prompt_tokens or 0 for r in replies)
    cached = sum(r.cached_tokens or 0 for r in replies)
    return {
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        "prefix_cache_hit_ratio": round(cached / prompt, 4) if prompt else None,
    }


def _resources(obs: Observed) -> dict[str, Any]:
    usage = obs.workers.values()
    return {
        "worker_cpu_seconds": round(sum(u.cpu_seconds for u in usage), 2),
        "worker_peak_rss_mib": {
            name: round(u.peak_rss_bytes / MIB, 1) for name, u in obs.workers.items()
        },
        "machine_cpu_percent": round(obs.machine_cpu_percent, 1),
    }


def _integrity(pairs: list[tuple[Turn, Inbound | None]], obs: Observed) -> dict[str, Any]:
    """Lost: sent but neither answered nor failed; duplicated: extra final bot messages."""
    lost = failed = duplicated = 0
    for turn, inbound in pairs:
        if turn.update_id is None:
            continue
        if inbound is None or inbound.status not in (Status.ANSWERED.value, Status.FAILED.value):
            lost += 1
            continue
        failed += inbound.status == Status.FAILED.value
        seen = _seen(obs.bot_messages, turn)
        if seen == 0 and inbound.status == Status.ANSWERED.value:
            lost += 1  # stored as answered, but nothing reached the chat
        duplicated += max(0, seen - _expected(obs.stored, inbound))
    return {"messages_lost": lost, "messages_failed": failed, "messages_duplicated": duplicated}


def _seen(bot_messages: dict[int, list[int]], turn: Turn) -> int:
    counts = bot_messages.get(turn.chat_id, [])
    return counts[turn.index] if turn.index < len(counts) else 0


def _expected(stored: Stored, inbound: Inbound) -> int:
    reply = stored.replies.get(inbound.id)
    if inbound.status == Status.FAILED.value:
        return 1  # the failure notice
    return len(final_parts(reply.text)) if reply else 1
