"""The simulator's building blocks: radix cache, timing model, tokenizer and answer text."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from inference.simulator import SimulatorConfig
from inference.simulator.radix import RadixCache
from inference.simulator.text import make_answer
from inference.simulator.timing import time_per_output_token
from inference.simulator.tokenizer import EOT, encode, render_chat, split
from tests.fixtures.inference import running_simulator


def test_radix_match_insert_and_split() -> None:
    cache = RadixCache(1000)
    cache.insert([1, 2, 3, 4, 5])
    cache.insert([1, 2, 9])
    assert cache.size == 6
    assert cache.match([1, 2, 3, 4, 5, 6]) == 5
    assert cache.match([1, 2, 9, 9]) == 3
    assert cache.match([1, 2, 7]) == 2
    assert cache.match([7]) == 0


def test_radix_evicts_least_recently_used_leaves() -> None:
    cache = RadixCache(10)
    cache.insert([1, 2, 3, 4])
    cache.insert([5, 6, 7, 8])
    cache.match([1, 2, 3, 4])
    cache.insert([9, 10, 11, 12])
    assert cache.size <= 10
    assert cache.match([1, 2, 3, 4]) == 4
    assert cache.match([5, 6, 7, 8]) == 0
    assert cache.evicted_tokens == 4


@pytest.mark.parametrize(
    ("batch", "seconds"), [(1, 0.006), (16, 0.010), (100, 0.035), (58, 0.0225), (0, 0.006)]
)
def test_time_per_output_token_follows_maverick_curve(batch: int, seconds: float) -> None:
    curve = SimulatorConfig().tpot_curve
    assert time_per_output_token(batch, curve) == pytest.approx(seconds)


def test_time_per_output_token_keeps_rising_past_the_curve() -> None:
    curve = SimulatorConfig().tpot_curve
    assert time_per_output_token(200, curve) > time_per_output_token(100, curve)


def test_tokenizer_round_trips_and_template_is_prefix_stable() -> None:
    text = "Hello, world!\n\n```py\nx = 1\n```"
    assert "".join(split(text)) == text
    assert encode(text) == encode(text)
    one = render_chat([{"role": "user", "content": "Hi"}])
    two = render_chat(
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "More"},
        ]
    )
    # Turn one's prompt minus the trailing assistant header is a prefix of turn two's.
    assert two[: len(one) - 4] == one[:-4] and EOT in two


def test_answer_length_and_finish_reason() -> None:
    config = SimulatorConfig(output_tokens=30)
    short = make_answer(config, "hi", 10, random.Random(1))
    full = make_answer(config, "hi", 100, random.Random(1))
    assert (len(short.pieces), short.finish_reason) == (10, "length")
    assert (len(full.pieces), full.finish_reason) == (30, "stop")
    assert full.pieces[:10] == short.pieces


def test_time_to_first_token_reflects_uncached_prefill() -> None:
    """4,000 uncached tokens at 20,000 tok/s take 0.2 s; the same prompt again is cached."""
    messages = [{"role": "user", "content": "lorem " * 4000}]
    body = {"messages": messages, "max_tokens": 1, "stream": True}
    timings = []
    with running_simulator(output_tokens=1, prefill_overhead_seconds=0.0) as url:
        for rid in ("cold", "warm"):
            started = time.monotonic()
            with httpx.stream("POST", f"{url}/v1/chat/completions", json={**body, "rid": rid}) as r:
                lines = r.iter_lines()
                next(lines)
                timings.append(time.monotonic() - started)
                assert list(lines)[-2] == "data: [DONE]"
    cold, warm = timings
    assert cold >= 0.2 and warm < 0.1
