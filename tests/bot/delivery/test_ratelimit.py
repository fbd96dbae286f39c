"""The shared flood limiter against a real Redis: buckets, waits, holds, several processes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest

from bot.delivery.ratelimit import CallKind, Rate, RateLimiter, RateLimits, kind_of

pytestmark = pytest.mark.anyio

# Budgets far beyond what a test uses, so only the bucket under test binds.
ROOMY = RateLimits(
    overall=Rate(10_000, 1.0, burst=1_000),
    chat=Rate(10_000, 1.0, burst=1_000),
    group=Rate(10_000, 1.0, burst=1_000),
    draft=Rate(10_000, 1.0, burst=1_000),
)
# How early a grant may look on this process's clock: the first grant is timed when its
# reply arrives, a little after Redis decided it.
EARLY = 0.02

MakeLimiter = Callable[..., RateLimiter]


@pytest.fixture
async def make_limiter(redis_url: str) -> AsyncIterator[MakeLimiter]:
    """Limiters on their own connections (like separate processes) sharing one key prefix."""
    prefix = f"test:rl:{uuid.uuid4().hex}:"
    made: list[RateLimiter] = []

    def make(**changes: Rate) -> RateLimiter:
        limiter = RateLimiter.from_url(redis_url, replace(ROOMY, **changes), prefix=prefix)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


async def timed_acquires(limiter: RateLimiter, chat_id: int, count: int) -> list[float]:
    """Acquire `count` messages one after another; seconds after the first grant of each."""
    stamps = []
    for _ in range(count):
        assert await limiter.acquire(chat_id, CallKind.MESSAGE, deadline=time.monotonic() + 5)
        stamps.append(time.monotonic())
    return [stamp - stamps[0] for stamp in stamps]


async def granted(limiter: RateLimiter, chat_id: int, kind: CallKind, tries: int) -> int:
    """How many of `tries` immediate attempts were allowed."""
    waits = [await limiter.try_acquire(chat_id, kind) for _ in range(tries)]
    return waits.count(0.0)


async def test_a_chat_gets_its_burst_then_one_message_per_interval(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(chat=Rate(5, 1.0, burst=3))  # every 0.2 s, 3 at once
    offsets = await timed_acquires(limiter, 42, 6)
    assert offsets[2] < 0.15  # the burst goes out at once
    for index, expected in ((3, 0.2), (4, 0.4), (5, 0.6)):
        assert offsets[index] >= expected - EARLY
    assert offsets[5] < 0.6 + 0.4  # waits are slept out, not overslept


async def test_try_acquire_tells_how_long_to_wait_and_spends_nothing(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(chat=Rate(2, 1.0))
    assert await limiter.try_acquire(7, CallKind.MESSAGE) == 0.0
    wait = await limiter.try_acquire(7, CallKind.MESSAGE)
    assert 0.4 < wait <= 0.5
    again = await limiter.try_acquire(7, CallKind.MESSAGE)
    assert again <= wait  # the refusal did not push the chat further back
    await asyncio.sleep(again + 0.01)
    assert await limiter.try_acquire(7, CallKind.MESSAGE) == 0.0


async def test_acquire_gives_up_at_once_when_the_deadline_is_too_close(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(chat=Rate(1, 1.0))
    assert await limiter.acquire(7, CallKind.MESSAGE)
    started = time.monotonic()
    assert not await limiter.acquire(7, CallKind.MESSAGE, deadline=started + 0.3)
    assert time.monotonic() - started < 0.2
    assert await limiter.try_acquire(7, CallKind.MESSAGE) > 0.7  # nothing was spent


async def test_groups_also_get_a_per_minute_style_budget(make_limiter: MakeLimiter) -> None:
    group = Rate(3, 2.0, burst=3)  # "at most 5 messages in any 2 s"
    assert group.max_in(2.0) == 5
    limiter = make_limiter(group=group)
    assert await granted(limiter, 100, CallKind.MESSAGE, 6) == 6  # private: no group bucket
    offsets = await timed_acquires(limiter, -100, 6)
    assert offsets[2] < 0.15
    assert offsets[3] >= 2.0 / 3 - EARLY
    assert offsets[5] >= 2.0 - EARLY  # the 6th is not within 2 s of the first
    assert offsets[5] < 2.0 + 0.4


async def test_drafts_have_their_own_budget(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(chat=Rate(1, 30.0), draft=Rate(1, 30.0, burst=3))
    assert await granted(limiter, 5, CallKind.MESSAGE, 2) == 1
    assert await granted(limiter, 5, CallKind.DRAFT, 5) == 3
    assert await limiter.try_acquire(5, CallKind.MESSAGE) > 29  # drafts did not refill it
    assert await granted(limiter, 6, CallKind.DRAFT, 4) == 3  # per chat


async def test_drafts_never_take_final_messages_overall_slots(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overall=Rate(1, 30.0, burst=2), draft=Rate(10, 1.0, burst=10))
    for chat in range(20, 25):
        assert await limiter.try_acquire(chat, CallKind.DRAFT) == 0.0
    assert await limiter.try_acquire(30, CallKind.MESSAGE) == 0.0  # overall budget untouched
    assert await limiter.try_acquire(31, CallKind.MESSAGE) == 0.0


async def test_actions_count_only_toward_the_overall_budget(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overall=Rate(1, 30.0, burst=4), chat=Rate(1, 30.0))
    assert await granted(limiter, -5, CallKind.MESSAGE, 2) == 1  # the chat is now spent
    assert await granted(limiter, -5, CallKind.ACTION, 2) == 2  # typing still allowed
    assert await limiter.try_acquire(-5, CallKind.MESSAGE) > 29
    assert await limiter.try_acquire(9, CallKind.ACTION) == 0.0  # the 4th overall call
    assert await limiter.try_acquire(10, CallKind.ACTION) > 0  # overall spent by actions


async def test_a_call_refused_by_its_chat_spends_no_overall_budget(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(overall=Rate(1, 30.0, burst=3), chat=Rate(1, 30.0))
    assert await granted(limiter, 1, CallKind.MESSAGE, 10) == 1
    assert await granted(limiter, 2, CallKind.MESSAGE, 1) == 1
    assert await granted(limiter, 3, CallKind.MESSAGE, 1) == 1
    assert await granted(limiter, 4, CallKind.MESSAGE, 1) == 0


async def test_two_processes_share_every_budget(make_limiter: MakeLimiter) -> None:
    first = make_limiter(overall=Rate(1, 30.0, burst=6), chat=Rate(1, 30.0, burst=2))
    second = make_limiter(overall=Rate(1, 30.0, burst=6), chat=Rate(1, 30.0, burst=2))
    assert await granted(first, 1, CallKind.MESSAGE, 1) == 1
    assert await granted(second, 1, CallKind.MESSAGE, 3) == 1  # chat 1's burst is used up
    assert await granted(first, 2, CallKind.MESSAGE, 2) == 2
    assert await granted(second, 3, CallKind.MESSAGE, 2) == 2  # overall: 6 of 6
    assert await first.try_acquire(4, CallKind.ACTION) > 0
    assert await second.try_acquire(4, CallKind.ACTION) > 0


async def test_concurrent_callers_never_overspend(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(overall=Rate(1, 30.0, burst=7), chat=Rate(1, 30.0, burst=4))
    same_chat = await asyncio.gather(
        *(limiter.try_acquire(1, CallKind.MESSAGE) for _ in range(100))
    )
    assert same_chat.count(0.0) == 4
    many_chats = await asyncio.gather(
        *(limiter.try_acquire(chat_id, CallKind.MESSAGE) for chat_id in range(2, 200))
    )
    assert many_chats.count(0.0) == 3  # the overall burst of 7, less the 4 above


async def test_concurrent_waiters_get_no_more_than_the_slots_before_their_deadline(
    make_limiter: MakeLimiter,
) -> None:
    # 10/s with a burst of 3: slots at 0, 0, 0, 0.1, 0.2, 0.3, 0.4, then 0.5 > deadline.
    limiter = make_limiter(overall=Rate(10, 1.0, burst=3))
    started = time.monotonic()
    deadline = started + 0.45
    results = await asyncio.gather(
        *(limiter.acquire(chat_id, CallKind.MESSAGE, deadline=deadline) for chat_id in range(40))
    )
    assert 6 <= sum(results) <= 7
    assert time.monotonic() - started < 0.45 + 0.3  # refusals did not sleep past the deadline


async def test_chats_queue_fairly_at_the_overall_rate_without_429s(
    make_limiter: MakeLimiter,
) -> None:
    """20 chats with 2 messages each: a FIFO at exactly 20/s, every first before any second."""
    overall, chat = Rate(20, 1.0), Rate(1, 1.0)
    limiter = make_limiter(overall=overall, chat=chat)
    server = FloodCheckingServer(overall, chat, jitter=0.04)
    sent: list[tuple[int, int]] = []

    async def answer(chat_id: int) -> None:
        for part in (1, 2):
            assert await limiter.acquire(chat_id, CallKind.MESSAGE)
            server.receive(chat_id)
            sent.append((part, chat_id))

    started = time.monotonic()
    await asyncio.gather(*(answer(chat_id) for chat_id in range(1, 21)))
    elapsed = time.monotonic() - started
    assert server.refused == 0
    assert [part for part, _ in sent] == [1] * 20 + [2] * 20
    assert 39 * overall.interval_us / 1e6 - EARLY <= elapsed < 2.0 + 0.5


class FloodCheckingServer:
    """A stand-in for Telegram that counts calls breaking the same limits (as 429s).

    `jitter` is how much earlier than its slot a call may arrive: the gap between the
    limiter's grant and the call being made, on a busy test machine.
    """

    def __init__(self, overall: Rate, chat: Rate, *, jitter: float) -> None:
        self.rates = {"overall": overall, "chat": chat}
        self.jitter = jitter
        self.tats: dict[tuple[str, int], float] = {}
        self.refused = 0

    def receive(self, chat_id: int) -> None:
        """Check one call against every bucket, GCRA-style."""
        now = time.monotonic()
        for name, key in (("overall", 0), ("chat", chat_id)):
            rate = self.rates[name]
            tat = max(self.tats.get((name, key), now), now)
            if tat - rate.tolerance_us / 1e6 - self.jitter > now:
                self.refused += 1
            self.tats[(name, key)] = tat + rate.interval_us / 1e6


async def test_penalize_holds_off_the_chat_in_every_process(make_limiter: MakeLimiter) -> None:
    first, second = make_limiter(), make_limiter()
    await first.penalize(42, 0.5)
    wait = await second.try_acquire(42, CallKind.DRAFT)
    assert 0.3 < wait <= 0.5
    assert await second.try_acquire(42, CallKind.ACTION) > 0.3
    assert await second.try_acquire(43, CallKind.MESSAGE) == 0.0  # other chats go on
    started = time.monotonic()
    assert await second.acquire(42, CallKind.MESSAGE)
    assert time.monotonic() - started >= wait - EARLY


async def test_a_shorter_penalty_does_not_cut_a_longer_one(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    await limiter.penalize(42, 5.0)
    await limiter.penalize(42, 0.1)
    assert await limiter.held_for(42) > 4.5


async def test_a_whole_bot_penalty_also_stops_slots_already_booked(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(overall=Rate(1, 0.3))
    assert await limiter.acquire(1, CallKind.MESSAGE)
    started = time.monotonic()
    booked = asyncio.create_task(limiter.acquire(2, CallKind.MESSAGE))  # slot at 0.3 s
    await asyncio.sleep(0.1)
    await limiter.penalize(None, 0.6)
    assert await limiter.try_acquire(3, CallKind.ACTION) > 0.4
    assert await booked
    assert time.monotonic() - started >= 0.7 - EARLY


async def test_idle_chats_leave_no_keys_behind(make_limiter: MakeLimiter) -> None:
    five = Rate(5, 1.0)
    limiter = make_limiter(overall=Rate(10, 1.0), chat=five, group=five, draft=five)
    assert await limiter.acquire(-3, CallKind.MESSAGE)
    assert await limiter.acquire(3, CallKind.DRAFT)
    await limiter.penalize(3, 0.15)
    keys = await limiter.redis.keys(f"{limiter.prefix}*")
    assert len(keys) == 6  # overall, drafts' overall, chat, group, draft, hold
    ttls = [await limiter.redis.pttl(key) for key in keys]
    assert all(0 < ttl <= 200 for ttl in ttls)
    await asyncio.sleep(0.3)
    assert await limiter.redis.keys(f"{limiter.prefix}*") == []


def test_rates_are_validated_and_bound_any_window() -> None:
    with pytest.raises(ValueError):
        Rate(0, 1.0)
    with pytest.raises(ValueError):
        Rate(1, 1.0, burst=0)
    assert Rate(20, 60.0).max_in(60.0) == 20
    assert Rate(30, 1.0).max_in(1.0) == 30
    assert Rate(1, 1.0, burst=3).max_in(1.0) == 3


def test_method_names_map_to_call_kinds() -> None:
    assert kind_of("sendChatAction") is CallKind.ACTION
    assert kind_of("sendMessageDraft") is CallKind.DRAFT
    assert kind_of("editMessageText") is CallKind.MESSAGE
