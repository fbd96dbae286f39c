"""InferenceClient through the real sglang-router 0.3.2 (cache_aware) in front of two simulators."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client import REGISTRY

from core.embedded import free_port
from inference.client import InferenceClient
from inference.router import router_command
from inference.types import Delta, Finish, StreamItem
from tests.fixtures.inference import running_simulator
from tests.inference.helpers import arm_fault, stats, wait_until

pytest.importorskip("sglang_router", reason="sglang-router==0.3.2 is not installed (dev extra)")

T = TypeVar("T")
KEY = "sim-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MODEL = "llama-4-maverick"
# Tokens take ~6 ms at speed 1, so a 500-token answer lasts seconds (room to abort), while the
# small max_tokens of the other tests keep them fast.
WORKER = {"api_key": KEY, "speed": 1, "output_tokens": 400, "served_model_name": MODEL}
ROUTER_FLAGS = [
    "--worker-startup-check-interval", "1",
    "--retry-max-retries", "2",
    "--retry-initial-backoff-ms", "10",
    "--retry-max-backoff-ms", "50",
    "--balance-abs-threshold", "2",
    "--log-level", "warn",
]  # fmt: skip


@dataclass
class Fleet:
    """The router's URLs and its two workers."""

    url: str
    metrics_url: str
    workers: list[str]

    def counts(self, field: str = "requests") -> list[int]:
        """A /_sim/stats counter of each worker."""
        return [stats(worker)[field] for worker in self.workers]


def _start_router(workers: list[str], log: Any) -> tuple[subprocess.Popen[bytes], str, str]:
    port, metrics_port = free_port(), free_port()
    argv = router_command(
        workers,
        host="127.0.0.1",
        port=port,
        prometheus_host="127.0.0.1",
        prometheus_port=metrics_port,
        health_check_interval_secs=2,
        api_key=KEY,
        extra=ROUTER_FLAGS,
    )
    process = subprocess.Popen([sys.executable, *argv[1:]], stdout=log, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"


def _ready(url: str) -> bool:
    try:
        body = httpx.get(f"{url}/workers", headers=AUTH, timeout=1).json()
    except (httpx.HTTPError, ValueError):
        return False
    healthy: int = sum(worker["is_healthy"] for worker in body.get("workers", []))
    return healthy == 2


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Any) -> None:
    deadline = time.monotonic() + 20
    while not _ready(url):
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"sglang-router did not become ready:\n{log.read().decode()[-3000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    """Two simulators (API key on) and the real router in a subprocess, for the whole module."""
    with (
        running_simulator(**WORKER, seed=1) as first,
        running_simulator(**WORKER, seed=2) as second,
        tempfile.TemporaryFile() as log,
    ):
        process, url, metrics_url = _start_router([first, second], log)
        try:
            _wait_ready(process, url, log)
            yield Fleet(url, metrics_url, [first, second])
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(autouse=True)
def no_faults(fleet: Fleet) -> Iterator[None]:
    """Disarm leftover faults after each test."""
    yield
    for worker in fleet.workers:
        httpx.delete(f"{worker}/_sim/faults").raise_for_status()


def run(fleet: Fleet, make: Callable[[InferenceClient], Awaitable[T]], **options: Any) -> T:
    """Run `make(client)` with a client pointed at the router."""
    options = {"backoff_base": 0.01, "backoff_max": 0.05, **options}

    async def main() -> T:
        async with InferenceClient(fleet.url, api_key=KEY, model=MODEL, **options) as client:
            return await make(client)

    return asyncio.run(main())


def chat(messages: list[dict[str, str]], request_id: str, max_tokens: int = 4) -> Any:
    async def go(client: InferenceClient) -> list[StreamItem]:
        stream = client.stream_chat(messages, max_tokens=max_tokens, request_id=request_id)
        return [item async for item in stream]

    return go


def finish_of(items: list[StreamItem]) -> Finish:
    last = items[-1]
    assert isinstance(last, Finish)
    return last


def served_by(fleet: Fleet, before: list[int]) -> int:
    """Index of the one worker whose request count grew by one since `before`."""
    grown = [after - was for after, was in zip(fleet.counts(), before, strict=True)]
    assert sorted(grown) == [0, 1], grown
    return grown.index(1)


def retries(reason: str) -> float:
    return REGISTRY.get_sample_value("parley_inference_retries_total", {"reason": reason}) or 0.0


def test_streamed_answer_with_usage_through_the_router(fleet: Fleet) -> None:
    before = fleet.counts()
    messages = [{"role": "user", "content": "Quokka facts, please."}]
    items = run(fleet, chat(messages, "router-req-1"))
    worker = fleet.workers[served_by(fleet, before)]
    finish = finish_of(items)
    assert [type(item) for item in items] == [Delta] * 4 + [Finish]
    assert finish.finish_reason == "length" and finish.usage is not None
    assert finish.usage.completion_tokens == 4 and finish.usage.prompt_tokens > 5
    sent = stats(worker)["recent"][-1]
    # The router drops `rid` (the worker made its own) but forwards X-Request-Id and the key.
    assert sent["x_request_id"] == "router-req-1" and sent["rid"] != "router-req-1"
    assert sent["authorized"] is True
    assert sent["body"]["max_completion_tokens"] == 4  # re-serialised from our max_tokens


def test_concurrent_conversations_spread_across_both_workers(fleet: Fleet) -> None:
    """Under load imbalance (here: > 2 requests apart) cache_aware falls back to shortest queue."""
    openings = ["Aardvarks", "Bicycles", "Comets", "Dolmens", "Eels", "Fjords", "Glaciers", "Hops"]

    async def all_at_once(client: InferenceClient) -> list[list[StreamItem]]:
        calls = [
            chat([{"role": "user", "content": f"{word}: tell me {n} things."}], f"spread-{n}", 40)
            for n, word in enumerate(openings)
        ]
        answers: list[list[StreamItem]] = await asyncio.gather(*(call(client) for call in calls))
        return answers

    before = fleet.counts()
    answers = run(fleet, all_at_once)
    assert all(finish_of(items).finish_reason == "length" for items in answers)
    grown = [after - was for after, was in zip(fleet.counts(), before, strict=True)]
    assert sum(grown) == len(openings) and min(grown) >= 2, grown


def test_a_growing_conversation_stays_on_one_worker_and_hits_the_cache(fleet: Fleet) -> None:
    messages = [
        {"role": "system", "content": "You are Parley. Answer briefly."},
        {"role": "user", "content": "Zanzibar spice routes: where did cloves come from?"},
    ]
    workers, cached = [], []
    for turn in range(4):
        before = fleet.counts()
        items = run(fleet, chat(messages, f"sticky-{turn}"))
        workers.append(served_by(fleet, before))
        usage = finish_of(items).usage
        assert usage is not None
        cached.append(usage.cached_tokens or 0)
        answer = "".join(item.text for item in items if isinstance(item, Delta))
        messages += [
            {"role": "assistant", "content": answer},
            {"role": "user", "content": f"And after that ({turn})?"},
        ]
    assert len(set(workers)) == 1, workers
    assert cached[0] < cached[1] < cached[2] < cached[3], cached


@pytest.mark.parametrize("system", ["", "You are Parley, a patient multilingual helper. " * 20])
def test_sequential_conversations_stay_on_one_worker(fleet: Fleet, system: str) -> None:
    """Observed 0.3.2 behaviour: with balanced load every chat request matched well enough.

    Even conversations whose text differs from the first character were sent to one worker,
    with or without a shared system prompt; only load imbalance spreads them (test above).
    """
    chosen = []
    for n, word in enumerate(["Quasars", "Rivers", "Sloths", "Tundra", "Umami", "Voles"]):
        before = fleet.counts()
        messages = [{"role": "user", "content": f"{word}: question {n}?"}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        finish_of(run(fleet, chat(messages, f"pinned-{len(system)}-{n}")))
        chosen.append(served_by(fleet, before))
    assert len(set(chosen)) == 1, chosen


def test_closing_the_stream_early_aborts_on_the_worker(fleet: Fleet) -> None:
    aborted_before = sum(fleet.counts("aborted"))

    async def read_three_then_stop(client: InferenceClient) -> int:
        received = 0
        messages = [{"role": "user", "content": "Write a very long essay about moss."}]
        stream = client.stream_chat(messages, max_tokens=500, request_id="stop-early")
        async with contextlib.aclosing(stream):
            async for item in stream:
                received += isinstance(item, Delta)
                if received == 3:
                    break
        # 400 tokens at ~6 ms take 2.4 s; an abort seen well before that came from the close.
        await asyncio.to_thread(
            wait_until, lambda: sum(fleet.counts("aborted")) == aborted_before + 1, 1.5
        )
        return received

    assert run(fleet, read_three_then_stop) == 3
    wait_until(lambda: all(stats(worker)["in_flight"] == [] for worker in fleet.workers))


def test_a_worker_503_is_retried_by_the_router(fleet: Fleet) -> None:
    injected, ours = sum(fleet.counts("faults_injected")), retries("http_503")
    for worker in fleet.workers:
        arm_fault(worker, mode="http", status=503, count=1)
    messages = [{"role": "user", "content": "Retry me once, router."}]
    finish = finish_of(run(fleet, chat(messages, "router-retry")))
    assert finish.usage is not None and finish.usage.completion_tokens == 4
    assert sum(fleet.counts("faults_injected")) == injected + 1
    assert retries("http_503") == ours  # the router absorbed it


def test_a_503_the_router_gives_up_on_is_retried_by_the_client(fleet: Fleet) -> None:
    """With --retry-max-retries 2 the router passes the second 503 on; our backoff takes over."""
    injected, ours = sum(fleet.counts("faults_injected")), retries("http_503")
    for worker in fleet.workers:
        arm_fault(worker, mode="http", status=503, count=2)
    messages = [{"role": "user", "content": "Retry me twice, client."}]
    finish = finish_of(run(fleet, chat(messages, "client-retry")))
    assert finish.usage is not None and finish.usage.completion_tokens == 4
    assert sum(fleet.counts("faults_injected")) >= injected + 2
    assert retries("http_503") >= ours + 1


def test_context_length_is_not_discoverable_through_the_router(fleet: Fleet) -> None:
    """Router 0.3.2 answers /v1/models itself (no max_model_len) and 404s /server_info."""

    async def probe(client: InferenceClient) -> int:
        return await client.context_length()

    assert run(fleet, probe, default_context_length=4321) == 4321
    models = httpx.get(f"{fleet.url}/v1/models").json()
    assert models["data"][0]["id"] == MODEL and "max_model_len" not in models["data"][0]


def test_router_health_workers_and_metrics(fleet: Fleet) -> None:
    assert httpx.get(f"{fleet.url}/health").status_code == 200
    assert httpx.get(f"{fleet.url}/readiness").status_code == 200
    workers = httpx.get(f"{fleet.url}/workers", headers=AUTH).json()["workers"]
    assert sorted(worker["url"] for worker in workers) == sorted(fleet.workers)
    assert all(worker["metadata"]["model_path"] for worker in workers)
    metrics = httpx.get(f"{fleet.metrics_url}/metrics").text
    assert "smg_worker_selection_total{" in metrics and 'policy="cache_aware"' in metrics
    assert "smg_router_requests_total{" in metrics
