"""InferenceClient against the SGLang simulator on loopback: streaming, errors, retries, aborts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from prometheus_client import REGISTRY

from core.embedded import free_port
from inference.client import InferenceClient
from inference.types import (
    ContextOverflowError,
    Delta,
    Finish,
    InferenceAuthError,
    InferenceError,
    StreamItem,
)
from tests.fixtures.inference import running_simulator
from tests.inference.helpers import arm_fault, stats, wait_until

T = TypeVar("T")
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Tell me something."},
]
FAST = {"speed": 50, "output_tokens": 6}


def run(make: Callable[[InferenceClient], Awaitable[T]], url: str, **options: Any) -> T:
    """Run `make(client)` with a fresh client and close it afterwards."""
    options = {"api_key": None, "model": "M", "backoff_base": 0.01, "backoff_max": 0.05, **options}

    async def main() -> T:
        async with InferenceClient(url, **options) as client:
            return await make(client)

    return asyncio.run(main())


def collect(request_id: str = "req-1", max_tokens: int = 50) -> Any:
    async def go(client: InferenceClient) -> list[StreamItem]:
        stream = client.stream_chat(MESSAGES, max_tokens=max_tokens, request_id=request_id)
        return [item async for item in stream]

    return go


def text_of(items: list[StreamItem]) -> str:
    return "".join(item.text for item in items if isinstance(item, Delta))


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_streams_deltas_then_one_finish_with_usage() -> None:
    with running_simulator(**FAST) as url:
        items = run(collect("req-1", max_tokens=4), url)
        sent = stats(url)["recent"][-1]
    deltas, finish = items[:-1], items[-1]
    assert len(deltas) == 4 and all(isinstance(d, Delta) and d.text for d in deltas)
    assert isinstance(finish, Finish) and finish.finish_reason == "length"
    assert finish.usage is not None and finish.usage.completion_tokens == 4
    assert finish.usage.cached_tokens == 0 and finish.usage.prompt_tokens > 10
    body = sent["body"]
    assert sent["rid"] == "req-1" and sent["x_request_id"] == "req-1"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 4 and body["model"] == "M"


def test_second_turn_reports_cached_tokens() -> None:
    async def two_turns(client: InferenceClient) -> list[Finish]:
        messages = list(MESSAGES)
        finishes = []
        for turn in range(2):
            items = [
                i async for i in client.stream_chat(messages, max_tokens=50, request_id=f"t{turn}")
            ]
            finish = items[-1]
            assert isinstance(finish, Finish)
            finishes.append(finish)
            messages += [
                {"role": "assistant", "content": text_of(items)},
                {"role": "user", "content": "And more?"},
            ]
        return finishes

    with running_simulator(**FAST) as url:
        first, second = run(two_turns, url)
    assert first.usage and second.usage
    assert second.usage.cached_tokens == first.usage.prompt_tokens + 6 + 1


@pytest.mark.parametrize("status", [503, 429, 502])
def test_retries_transient_statuses_then_succeeds(status: int) -> None:
    before = sample("parley_inference_retries_total", reason=f"http_{status}")
    with running_simulator(**FAST, faults=[{"status": status, "count": 2}]) as url:
        items = run(collect("req-r"), url)
        recent = stats(url)["recent"]
    assert isinstance(items[-1], Finish) and text_of(items)
    assert [r["rid"] for r in recent] == ["req-r", "req-r-r1", "req-r-r2"]
    assert {r["x_request_id"] for r in recent} == {"req-r"}
    assert sample("parley_inference_retries_total", reason=f"http_{status}") == before + 2


def test_honours_retry_after_as_a_floor() -> None:
    with running_simulator(**FAST, faults=[{"status": 503, "retry_after": 0.3}]) as url:
        start = time.monotonic()
        run(collect(), url, backoff_max=1)
    assert time.monotonic() - start >= 0.3


def test_gives_up_after_max_retries() -> None:
    with running_simulator(**FAST, faults=[{"status": 503, "count": 10}]) as url:
        with pytest.raises(InferenceError) as caught:
            run(collect(), url, max_retries=2)
        assert stats(url)["requests"] == 3
    assert caught.value.status == 503 and caught.value.retryable


def test_400_is_not_retried() -> None:
    with running_simulator(**FAST, faults=[{"status": 400, "count": 5}]) as url:
        with pytest.raises(InferenceError) as caught:
            run(collect(), url)
        assert stats(url)["requests"] == 1
    assert caught.value.status == 400 and not caught.value.retryable
    assert not isinstance(caught.value, ContextOverflowError)


def test_context_overflow_is_classified_and_not_retried() -> None:
    before = sample("parley_inference_errors_total", kind="context_overflow")
    with running_simulator(context_length=64) as url:
        with pytest.raises(ContextOverflowError) as caught:
            run(collect(max_tokens=60), url)
        assert stats(url)["requests"] == 1
    assert caught.value.status == 400 and not caught.value.retryable
    assert sample("parley_inference_errors_total", kind="context_overflow") == before + 1


def test_in_band_context_overflow_is_classified() -> None:
    with running_simulator(max_req_input_len=8) as url, pytest.raises(ContextOverflowError):
        run(collect(), url)


def test_wrong_api_key_raises_auth_error() -> None:
    with running_simulator(api_key="right") as url:
        with pytest.raises(InferenceAuthError) as caught:
            run(collect(), url, api_key="wrong")
        assert stats(url)["requests"] == 0
        items = run(collect(), url, api_key="right")
    assert caught.value.status == 401
    assert "right" not in str(caught.value) and "wrong" not in str(caught.value)
    assert isinstance(items[-1], Finish)


def test_in_band_error_before_text_is_retried() -> None:
    fault = {"mode": "inband", "status": 503, "after_tokens": 0}
    with running_simulator(**FAST, faults=[fault]) as url:
        items = run(collect(), url)
        assert stats(url)["requests"] == 2
    assert isinstance(items[-1], Finish)


def test_in_band_error_after_text_raises_retryable() -> None:
    fault = {"mode": "inband", "status": 500, "after_tokens": 3}
    seen: list[StreamItem] = []

    async def consume(client: InferenceClient) -> None:
        async for item in client.stream_chat(MESSAGES, max_tokens=50, request_id="x"):
            seen.append(item)

    with running_simulator(**FAST, faults=[fault]) as url:
        with pytest.raises(InferenceError) as caught:
            run(consume, url)
        assert stats(url)["requests"] == 1
    assert len(seen) == 3 and all(isinstance(item, Delta) for item in seen)
    assert caught.value.status == 500 and caught.value.retryable


def test_truncated_stream_is_retried_before_text_and_raised_after() -> None:
    with running_simulator(**FAST, faults=[{"mode": "truncate", "after_tokens": 0}]) as url:
        assert isinstance(run(collect(), url)[-1], Finish)
        assert stats(url)["requests"] == 2
        arm_fault(url, mode="truncate", after_tokens=2)
        with pytest.raises(InferenceError) as caught:
            run(collect("y"), url)
    assert caught.value.retryable and "ended before [DONE]" in str(caught.value)


def test_read_timeout_mid_stream_raises_retryable() -> None:
    fault = {"mode": "stall", "after_tokens": 2, "stall_seconds": 3}
    with running_simulator(**FAST, faults=[fault]) as url, pytest.raises(InferenceError) as caught:
        run(collect(), url, read_timeout=0.3)
    assert caught.value.retryable and "timeout" in str(caught.value)


def test_connection_refused_is_retried_then_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    before = sample("parley_inference_retries_total", reason="connection")
    with pytest.raises(InferenceError) as caught:
        run(collect(), url, max_retries=2)
    assert caught.value.retryable and caught.value.status is None
    assert sample("parley_inference_retries_total", reason="connection") == before + 2


def test_closing_the_stream_early_aborts_on_the_server() -> None:
    """The server must see the abort while the client (and its connection pool) is still open."""

    async def read_three_then_stop(client: InferenceClient) -> dict[str, Any]:
        received = 0
        stream = client.stream_chat(MESSAGES, max_tokens=500, request_id="stopme")
        async with contextlib.aclosing(stream):
            async for item in stream:
                received += isinstance(item, Delta)
                if received == 3:
                    break
        assert received == 3
        await asyncio.to_thread(wait_until, lambda: stats(url)["aborted"] == 1, 1.5)
        return stats(url)

    # 400 tokens at ~6 ms each take over 2 s: a finish within 1.5 s can only be the abort.
    with running_simulator(speed=1, output_tokens=400) as url:
        final = run(read_three_then_stop, url)
    assert final["in_flight"] == [] and final["running"] == 0 and final["completed"] == 1


def test_context_length_is_discovered_and_cached() -> None:
    async def twice(client: InferenceClient) -> tuple[int, int]:
        first = await client.context_length()
        return first, await client.context_length()

    async def after_stop(client: InferenceClient) -> tuple[int, int]:
        with running_simulator(context_length=4096) as url_inner:
            inner = InferenceClient(url_inner, api_key=None, model="M")
            learnt = await inner.context_length()
        again = await inner.context_length()
        await inner.aclose()
        return learnt, again

    with running_simulator(context_length=32768) as url:
        assert run(twice, url) == (32768, 32768)
    assert run(after_stop, url) == (4096, 4096)
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert run(lambda c: c.context_length(), unreachable, default_context_length=777) == 777


def test_health_reports_ready_starting_and_bad_key() -> None:
    async def check(client: InferenceClient) -> tuple[bool, str]:
        return await client.health()

    with running_simulator(api_key="k") as url:
        assert run(check, url, api_key="k") == (True, "ok")
        assert run(check, url, api_key="bad") == (
            False,
            "configuration error: inference API key rejected",
        )
    with running_simulator(startup_seconds=30) as url:
        ok, reason = run(check, url)
    assert not ok and "503" in reason
    ok, reason = run(check, f"http://127.0.0.1:{free_port()}")
    assert not ok and reason.startswith("unreachable")
