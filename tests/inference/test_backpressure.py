"""Backpressure against the simulator: a full queue lowers the streams in flight, and the wait
is measured."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from inference import metrics
from inference.backpressure import AdaptiveGate
from inference.client import InferenceClient
from inference.types import Finish
from tests.fixtures.inference import running_simulator

pytestmark = pytest.mark.anyio


async def test_gate_halves_on_overload_and_recovers_one_by_one() -> None:
    gate = AdaptiveGate(8)
    await gate.overloaded()
    await gate.overloaded()
    assert gate.limit == 2
    await gate.succeeded()
    assert gate.limit == 3
    for _ in range(10):
        await gate.succeeded()
    assert gate.limit == 8


async def test_waiters_beyond_the_limit_queue_until_a_slot_frees() -> None:
    gate = AdaptiveGate(1)
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with gate.slot():
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    await asyncio.gather(hold("a", 0.05), hold("b", 0.0))
    assert order == ["a in", "a out", "b in", "b out"]


def _wait_count() -> float:
    for metric in metrics.BACKPRESSURE_WAIT.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                return sample.value
    return 0.0


async def test_full_server_queue_slows_the_client_down_instead_of_piling_up() -> None:
    # A server that runs 2 requests and queues 2 more; beyond that it answers 503 queue full.
    with running_simulator(
        output_tokens=30, speed=2.0, max_running_requests=2, max_queued_requests=2
    ) as url:
        gate = AdaptiveGate(16)
        client = InferenceClient(
            url,
            api_key=None,
            model="m",
            max_retries=8,
            backoff_base=0.05,
            backoff_max=0.5,
            gate=gate,
        )
        waits_before = _wait_count()

        async def one(i: int) -> Finish | None:
            finish = None
            async for item in client.stream_chat(
                [{"role": "user", "content": f"q{i}"}], max_tokens=30, request_id=f"bp-{i}"
            ):
                if isinstance(item, Finish):
                    finish = item
            return finish

        try:
            results = await asyncio.gather(*(one(i) for i in range(12)))
        finally:
            await client.aclose()
        assert all(r is not None and r.finish_reason for r in results), "every stream finished"
        assert gate.limit < 16, "the queue-full answers lowered the limit"
        assert _wait_count() - waits_before >= 12
        stats = httpx.get(f"{url}/_sim/stats").json()
        assert stats["completed"] == 12
