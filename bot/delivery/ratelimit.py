"""Telegram flood limits shared by every worker process, enforced in Redis.

PTB's AIORateLimiter counts per process, so N workers together would send N times the
allowed rate. This limiter keeps every budget in Redis instead, checked and spent by one
Lua script, so all processes (on any host) draw from the same budgets.

Algorithm: GCRA (the generic cell rate algorithm, a token bucket stored as one number).
Each bucket keeps a "theoretical arrival time" (TAT) in microseconds of Redis server
time (`TIME` inside the script, so the clocks of the worker hosts never matter). With
emission interval `T = period / count` and tolerance `tau = (burst - 1) * T`, a call at
`now` conforms when `TAT - tau <= now`, and then sets `TAT = max(TAT, now) + T`. A key
expires when its TAT passes (the bucket is full again then), so idle chats cost nothing.

A call passes every bucket of its kind at once or spends nothing:

- message (sendMessage, editMessageText, ...): overall, the chat's, and for negative chat
  ids (groups, supergroups, channels) the group's per-minute bucket;
- draft (sendMessageDraft): a drafts-only overall budget and the chat's separate, more
  generous draft bucket (drafts never take final messages' slots);
- action (sendChatAction): overall only.

Fairness and throughput. The chat buckets must conform *now*, but the overall bucket
may be *reserved*: when only the overall budget is short, the script books the next
free overall slot (GCRA as a queue) and `acquire` sleeps until it. So

- 1,000 chats each waiting for a message form one FIFO queue in Redis: one script call
  per message and one sleep, no polling and no thundering herd, and the slots are spaced
  exactly `T` apart, so the overall rate is used fully (30/s: the 1,000th message leaves
  after about 33 s) and never exceeded (at most `count` in any `period`, see
  `Rate.max_in`): a server enforcing the same limits sees no 429;
- a reservation moves the chat's own TAT to the booked slot, so while the queue is
  backed up a chat holds at most one place in it, and a chat with ten parts to send
  cannot push 999 other chats back by ten slots each: chats take turns;
- the overall bucket is never booked on behalf of a chat that is itself over its limit,
  so no overall slot is wasted on a call that could not have gone;
- `try_acquire` never books ahead, so skippable calls (stream previews, typing) only
  get overall slots while no message is queued: final answers have priority.

A Telegram 429 is recorded with `penalize`: a hold key (for one chat, or for the whole
bot) refuses every call of every process until it expires. A caller that had already
booked a slot checks for holds again after its sleep, so nothing is sent into a hold.

What the guarantee covers: the slots granted in Redis obey every limit exactly. A call
made late (a busy event loop, a slow network) can still arrive closer to the next one
than its slot said; with the default overall rate strictly spaced (burst 1, 33 ms) a
few milliseconds of such jitter stay well inside the short bursts Telegram tolerates.
The buckets run on the Redis server's wall clock: a step of that clock shifts waits by
the step once. With Redis Cluster, use a hash-tag prefix such as "{parley:rl}:" so all
keys of one call live in one slot.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from redis.asyncio import BlockingConnectionPool, Redis

DEFAULT_PREFIX = "parley:rl:"
# Sleeps end this much after the computed instant, so the retry is not refused again
# for a few microseconds of clock rounding.
_NUDGE = 0.001
_MICROS = 1_000_000

# KEYS: whole-bot hold, chat hold, overall bucket, then the chat's own buckets.
# ARGV: longest acceptable wait for an overall slot (µs), then per bucket in KEYS[3..]
#       its emission interval and tolerance (µs).
# Returns {granted, chat wait µs, overall wait µs}; a granted call is to be made after
# the overall wait (its booked slot).
_ACQUIRE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local held = math.max(redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]))
if held > 0 then
  return {0, held * 1000, 0}
end
local tats = {}
local chat_wait = 0
local overall_wait = 0
for i = 3, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then
    tat = now
  end
  tats[i] = tat
  local wait = tat - tonumber(ARGV[2 * i - 3]) - now
  if i == 3 then
    overall_wait = math.max(wait, 0)
  elseif wait > chat_wait then
    chat_wait = wait
  end
end
if chat_wait > 0 or overall_wait > tonumber(ARGV[1]) then
  return {0, chat_wait, overall_wait}
end
local slot = now + overall_wait
for i = 3, #KEYS do
  local tat = math.max(tats[i], slot) + tonumber(ARGV[2 * i - 4])
  redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
end
return {1, 0, overall_wait}
"""

# KEYS: the hold key. ARGV: its duration in ms. Never shortens a longer hold.
_HOLD_LUA = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""


class CallKind(StrEnum):
    """Which budgets a Bot API call draws from."""

    MESSAGE = "message"  # sendMessage, editMessageText, ...: overall, chat, group
    DRAFT = "draft"  # sendMessageDraft: overall and the chat's draft bucket
    ACTION = "action"  # sendChatAction: overall only


def kind_of(method: str) -> CallKind:
    """The CallKind of a Bot API method name such as 'sendMessageDraft'."""
    name = method.lower()
    if name == "sendchataction":
        return CallKind.ACTION
    if name in ("sendmessagedraft", "sendrichmessagedraft"):
        return CallKind.DRAFT
    return CallKind.MESSAGE


@dataclass(frozen=True)
class Rate:
    """A sustained rate of `count` calls per `period` seconds, `burst` of them back to back."""

    count: int
    period: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or self.period <= 0 or self.burst < 1:
            raise ValueError(f"invalid rate {self!r}")

    @property
    def interval_us(self) -> int:
        """The emission interval in whole microseconds, rounded up (never faster)."""
        return math.ceil(self.period * _MICROS / self.count)

    @property
    def tolerance_us(self) -> int:
        """How far ahead of real time the bucket may run: room for the burst."""
        return (self.burst - 1) * self.interval_us

    def max_in(self, window: float) -> int:
        """The most calls this rate admits within any `window` seconds."""
        return math.ceil(round(window * _MICROS) / self.interval_us) + self.burst - 1


def _default_overall() -> Rate:
    return Rate(30, 1.0)


def _default_chat() -> Rate:
    return Rate(1, 1.0, burst=3)


def _default_group() -> Rate:
    return Rate(20, 60.0)


def _default_draft() -> Rate:
    return Rate(5, 1.0, burst=10)


@dataclass(frozen=True)
class RateLimits:
    """The budgets, defaulting to Telegram's published limits.

    overall: 30/s spaced evenly (at most 30 in any second); chat: 1/s with bursts of 3;
    group: 20/min spaced 3 s apart (at most 20 in any minute); draft: 5/s, bursts of 10.
    """

    overall: Rate = field(default_factory=_default_overall)
    chat: Rate = field(default_factory=_default_chat)
    group: Rate = field(default_factory=_default_group)
    draft: Rate = field(default_factory=_default_draft)
    # Drafts have no documented global limit and are ephemeral; they get a budget of their
    # own so that streaming previews never take slots from final messages.
    draft_overall: Rate = field(default_factory=lambda: Rate(300, 1.0, burst=30))


def with_margin(limits: RateLimits, margin: float = 0.1) -> RateLimits:
    """The same budgets stretched by `margin`, so that network jitter between our clock and
    Telegram's never turns a granted call into a 429 (the margin costs 10 % of throughput)."""

    def stretch(rate: Rate) -> Rate:
        return Rate(rate.count, rate.period * (1 + margin), rate.burst)

    return RateLimits(
        overall=stretch(limits.overall),
        chat=stretch(limits.chat),
        group=stretch(limits.group),
        draft=stretch(limits.draft),
    )


SAFE_LIMITS = with_margin(RateLimits())
"""What the workers use: Telegram's published limits with a 10 % margin."""


class _Verdict(NamedTuple):
    """What the script decided, waits in seconds."""

    granted: bool
    chat_wait: float
    overall_wait: float


class RateLimiter:
    """Flood limits for Bot API calls, shared through Redis by every worker process."""

    def __init__(
        self, redis: Redis, limits: RateLimits | None = None, *, prefix: str = DEFAULT_PREFIX
    ) -> None:
        self.redis = redis
        self.limits = limits or RateLimits()
        self.prefix = prefix
        self._acquire_script = redis.register_script(_ACQUIRE_LUA)
        self._hold_script = redis.register_script(_HOLD_LUA)

    @classmethod
    def from_url(
        cls,
        url: str,
        limits: RateLimits | None = None,
        *,
        prefix: str = DEFAULT_PREFIX,
        max_connections: int = 32,
    ) -> RateLimiter:
        """A limiter on its own bounded connection pool (callers queue for a connection)."""
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections)
        return cls(Redis(connection_pool=pool), limits, prefix=prefix)

    async def aclose(self) -> None:
        """Close the Redis connections."""
        await self.redis.aclose()

    async def acquire(self, chat_id: int, kind: CallKind, *, deadline: float | None = None) -> bool:
        """Wait until the call may be made; False if that is later than `deadline`.

        `deadline` is a `time.monotonic()` instant; None waits as long as it takes.
        """
        while True:
            budget = None if deadline is None else max(0.0, deadline - time.monotonic())
            verdict = await self._ask(chat_id, kind, math.inf if budget is None else budget)
            if verdict.granted:
                if verdict.overall_wait <= 0:
                    return True
                await asyncio.sleep(verdict.overall_wait)
                if await self.held_for(chat_id) <= 0:
                    return True
                continue  # a 429 came in while we waited: the slot is forfeit
            # Refused: the chat is over its budget or held (chat_wait), or the overall
            # queue reaches past the deadline. Neither wait can shrink faster than time
            # passes, so a deadline one of them overruns cannot be met.
            if budget is not None and max(verdict.chat_wait, verdict.overall_wait) > budget:
                return False
            # Sleep out the chat's wait only, then queue for the overall slot.
            await asyncio.sleep(verdict.chat_wait + _NUDGE)

    async def try_acquire(self, chat_id: int, kind: CallKind) -> float:
        """Spend the budget if the call may be made right now (0.0), else the seconds to wait.

        Never books a future slot, so a refused preview frame costs nothing.
        """
        verdict = await self._ask(chat_id, kind, 0.0)
        if verdict.granted:
            return 0.0
        return max(verdict.chat_wait, verdict.overall_wait)

    async def penalize(self, chat_id: int | None, retry_after: float) -> None:
        """Record a Telegram 429: every process holds off the chat (None: the whole bot)."""
        millis = max(1, math.ceil(retry_after * 1000))
        await self._hold_script(keys=[self._hold_key(chat_id)], args=[millis])

    async def held_for(self, chat_id: int) -> float:
        """Seconds left of a hold on this chat or on the whole bot (0.0 if none)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.pttl(self._hold_key(None))
            pipe.pttl(self._hold_key(chat_id))
            ttls: list[int] = await pipe.execute()
        return max(0, *ttls) / 1000

    async def _ask(self, chat_id: int, kind: CallKind, max_wait: float) -> _Verdict:
        """Run the script once: grant (maybe booking an overall slot) or refuse."""
        drafts = kind is CallKind.DRAFT
        overall_key = self._key("all-drafts" if drafts else "all")
        overall = self.limits.draft_overall if drafts else self.limits.overall
        keys = [self._hold_key(None), self._hold_key(chat_id), overall_key]
        args: list[int] = [_micros(max_wait), *_gcra_args(overall)]
        for name, rate in self._chat_buckets(chat_id, kind):
            keys.append(self._key(name))
            args.extend(_gcra_args(rate))
        granted, chat_wait, overall_wait = await self._acquire_script(keys=keys, args=args)
        return _Verdict(bool(granted), chat_wait / _MICROS, overall_wait / _MICROS)

    def _chat_buckets(self, chat_id: int, kind: CallKind) -> list[tuple[str, Rate]]:
        """The per-chat buckets (key suffix, rate) a call of this kind draws from."""
        if kind is CallKind.ACTION:
            return []
        if kind is CallKind.DRAFT:
            return [(f"draft:{chat_id}", self.limits.draft)]
        buckets = [(f"chat:{chat_id}", self.limits.chat)]
        if chat_id < 0:
            buckets.append((f"group:{chat_id}", self.limits.group))
        return buckets

    def _hold_key(self, chat_id: int | None) -> str:
        return self._key("hold:all" if chat_id is None else f"hold:chat:{chat_id}")

    def _key(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"


def _micros(seconds: float) -> int:
    """Seconds as whole microseconds; infinity becomes a wait no caller reaches."""
    return 2**53 if math.isinf(seconds) else round(seconds * _MICROS)


def _gcra_args(rate: Rate) -> tuple[int, int]:
    return rate.interval_us, rate.tolerance_us
