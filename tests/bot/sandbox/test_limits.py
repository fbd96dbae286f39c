"""Flood control with a fake clock: per chat, per group, overall, drafts, and the switch."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.config import SandboxConfig
from bot.sandbox.limits import FloodControl, FloodKind, TokenBucket


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def flood(clock: Clock, **overrides: object) -> FloodControl:
    return FloodControl(SandboxConfig(**overrides), clock=clock)  # type: ignore[arg-type]


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(capacity=2, rate=0.5)
    assert bucket.wait_time(0) == 0
    bucket.take(0)
    bucket.take(0)
    assert bucket.wait_time(0) == 2.0
    assert bucket.wait_time(1.0) == 1.0
    assert bucket.wait_time(2.0) == 0


def test_private_chat_allows_a_burst_then_one_per_second() -> None:
    clock = Clock()
    control = flood(clock)
    assert [control.check(FloodKind.MESSAGE, 1, False) for _ in range(3)] == [None] * 3
    assert control.check(FloodKind.MESSAGE, 1, False) == 1
    assert control.check(FloodKind.MESSAGE, 2, False) is None, "other chats are not affected"
    clock.now += 1.0
    assert control.check(FloodKind.MESSAGE, 1, False) is None
    assert control.check(FloodKind.MESSAGE, 1, False) == 1


def test_group_is_limited_to_twenty_per_minute() -> None:
    clock = Clock()
    control = flood(clock)
    sent = 0
    for _ in range(40):
        if control.check(FloodKind.MESSAGE, -5, True) is None:
            sent += 1
        clock.now += 1.0
    # 20 at once, then one every 3 s: in 40 s that is 20 + 13.
    assert sent == 33
    retry_after = control.check(FloodKind.MESSAGE, -5, True)
    assert retry_after is not None and 1 <= retry_after <= 3


def test_overall_limit_spans_chats() -> None:
    clock = Clock()
    control = flood(clock, overall_per_second=5)
    results = [control.check(FloodKind.MESSAGE, chat, False) for chat in range(6)]
    assert results[:5] == [None] * 5
    assert results[5] == 1


def test_refused_calls_spend_nothing() -> None:
    clock = Clock()
    control = flood(clock, per_chat_burst=1, overall_per_second=2)
    assert control.check(FloodKind.MESSAGE, 1, False) is None
    for _ in range(10):
        assert control.check(FloodKind.MESSAGE, 1, False) == 1
    assert control.check(FloodKind.MESSAGE, 2, False) is None, "refusals left overall budget"


def test_drafts_have_their_own_more_generous_budget() -> None:
    clock = Clock()
    control = flood(clock)
    for _ in range(3):
        assert control.check(FloodKind.MESSAGE, 1, False) is None
    assert control.check(FloodKind.MESSAGE, 1, False) == 1
    assert [control.check(FloodKind.DRAFT, 1, False) for _ in range(10)] == [None] * 10
    assert control.check(FloodKind.DRAFT, 1, False) == 1
    clock.now += 0.2
    assert control.check(FloodKind.DRAFT, 1, False) is None


def test_disabled_limits_never_refuse() -> None:
    control = flood(Clock(), flood_limits_enabled=False)
    assert all(control.check(FloodKind.MESSAGE, 1, True) is None for _ in range(100))
