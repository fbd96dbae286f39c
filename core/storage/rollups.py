"""Daily rollups of `messages` for the admin dashboard: counts, token sums, latency histograms.

A time range is split into whole *closed* UTC days, read from the rollup tables of migration
0005, and the partial days at its edges (the start of a preset range, and today), computed
live from `messages` through ix_messages_created_at. Closed days are computed once, on first
read, by the same functions that compute the live part, so both give identical numbers.

Freshness: a closed day's rollup is *final* once it was computed at least SETTLE after the day
ended; before that it is recomputed on read when older than TTL (late replies, retries and
status changes of the last day are picked up). Changes to older days (a user deleted, a reply
stored days late) need `invalidate_days` or `forget_user`; nothing on the write path is needed
otherwise.

Latency histograms use fixed buckets of two significant digits (see `bucket_of`): exact below
100 ms, then 10 ms wide up to 1 s, 100 ms up to 10 s, 1 s up to 100 s, 10 s up to 1,000 s, and
one bucket for anything longer. Percentiles read from them follow PostgreSQL's percentile_cont
and are off by less than one bucket width (under 10% of the value).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, aliased

from core.storage.admin_models import DailyInbound, DailyReplies, DailyUser, RollupDay
from core.storage.models import Kind, Message, Role, Status

SETTLE = timedelta(days=1)
TTL = timedelta(minutes=5)
# A reply is stored after the message it answers; SKEW allows for clocks of different hosts.
SKEW = timedelta(minutes=5)
WORK_MEM = "64MB"  # for de-duplicating a month of daily user sets in memory
LOCK_KEY = 0x70_61_72_6C_65_79  # pg_advisory_xact_lock key serialising rollup refreshes
# (first bucket, lowest value, bucket width) of each decade of milliseconds.
DECADES: tuple[tuple[int, int, int], ...] = (
    (0, 0, 1),
    (100, 100, 10),
    (190, 1_000, 100),
    (280, 10_000, 1_000),
    (370, 100_000, 10_000),
)
OVERFLOW_BUCKET = 460  # 1,000,000 ms (16 min 40 s) and longer
OVERFLOW_VALUE = 1_000_000

Histogram = dict[int, int]
Interval = tuple[datetime, datetime]
InboundKey = tuple[date, str | None]
Window = tuple[datetime | None, datetime | None]  # bounds on the creation time of replies


# ---------------------------------------------------------------- histograms


def bucket_of(value: int) -> int:
    """The histogram bucket of a value in milliseconds (negative values count as 0)."""
    if value >= OVERFLOW_VALUE:
        return OVERFLOW_BUCKET
    for first, low, width in reversed(DECADES):
        if value >= low:
            return first + (value - low) // width
    return 0


def bucket_bounds(bucket: int) -> tuple[int, int]:
    """(lowest value, width) of a bucket; the overflow bucket has width 0."""
    if bucket >= OVERFLOW_BUCKET:
        return OVERFLOW_VALUE, 0
    for first, low, width in reversed(DECADES):
        if bucket >= first:
            return low + (bucket - first) * width, width
    return 0, 1


def bucket_expr(column: Any) -> ColumnElement[int]:
    """SQL for `bucket_of(column)` (NULL stays NULL): integer arithmetic only, any dialect."""
    whens: list[tuple[ColumnElement[bool], Any]] = [
        (column.is_(None), null()),
        (column < 0, literal_column("0")),
    ]
    upper = [low for _, low, _ in DECADES[1:]] + [OVERFLOW_VALUE]
    for (first, low, width), below in zip(DECADES, upper, strict=True):
        whens.append((column < below, _decade_bucket(column, first, low, width)))
    return case(*whens, else_=literal_column(str(OVERFLOW_BUCKET)))


def _decade_bucket(column: Any, first: int, low: int, width: int) -> Any:
    if width == 1:
        return column
    offset = column - literal_column(str(low))
    return literal_column(str(first)) + offset // literal_column(str(width))


def encode(histogram: Histogram) -> str:
    """Compact text for a histogram: a JSON list of [bucket, count] pairs."""
    return json.dumps(sorted(histogram.items()), separators=(",", ":"))


def decode(raw: str | None) -> Histogram:
    """The histogram `encode` wrote."""
    return {int(b): int(c) for b, c in json.loads(raw)} if raw else {}


def merge(into: Histogram, other: Histogram) -> None:
    """Add `other`'s counts to `into`."""
    for bucket, count in other.items():
        into[bucket] = into.get(bucket, 0) + count


def _value_at(ordered: list[tuple[int, int]], rank: int) -> float:
    """The estimated rank-th smallest value (0-based): evenly spread from the bucket's floor."""
    seen = 0
    for bucket, count in ordered:
        if rank < seen + count:
            low, width = bucket_bounds(bucket)
            return float(low) if width <= 1 else low + (rank - seen) * width / count
        seen += count
    low, _ = bucket_bounds(ordered[-1][0])
    return float(low)


def percentile(histogram: Histogram, q: float) -> float | None:
    """The continuous percentile q (as percentile_cont) estimated from a histogram."""
    ordered = sorted((b, c) for b, c in histogram.items() if c > 0)
    total = sum(c for _, c in ordered)
    if total == 0:
        return None
    position = q * (total - 1)
    low = math.floor(position)
    value = _value_at(ordered, low)
    if position == low:
        return value
    return value + (_value_at(ordered, low + 1) - value) * (position - low)


# ---------------------------------------------------------------- facts


@dataclass(slots=True)
class InboundFacts:
    """Inbound chat messages of a day and language, and the replies to them."""

    messages: int = 0
    answered: int = 0
    failed: int = 0
    replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency: Histogram = field(default_factory=dict)
    ttft: Histogram = field(default_factory=dict)

    def add(self, other: InboundFacts) -> None:
        """Add another set of facts to this one."""
        self.messages += other.messages
        self.answered += other.answered
        self.failed += other.failed
        self.replies += other.replies
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        merge(self.latency, other.latency)
        merge(self.ttft, other.ttft)


@dataclass(slots=True)
class ReplyFacts:
    """Chat replies created on a day: count, token sums and latency histograms."""

    replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    latency: Histogram = field(default_factory=dict)
    ttft: Histogram = field(default_factory=dict)

    def add(self, other: ReplyFacts) -> None:
        """Add another set of facts to this one."""
        self.replies += other.replies
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_tokens += other.cached_tokens
        merge(self.latency, other.latency)
        merge(self.ttft, other.ttft)


def _int(value: Any) -> int:
    return int(value or 0)


def midnight(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.date(column)


def _within(column: Any, intervals: Sequence[Interval]) -> ColumnElement[bool]:
    return or_(*(and_(column >= start, column < end) for start, end in intervals))


def _inbound_where(intervals: Sequence[Interval]) -> ColumnElement[bool]:
    return and_(
        _within(Message.created_at, intervals),
        Message.role == Role.USER.value,
        Message.kind == Kind.CHAT.value,
    )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def live_inbound(
    session: Session,
    intervals: Sequence[Interval],
    *,
    joined: bool = True,
    windows: Sequence[Window] | None = None,
) -> dict[InboundKey, InboundFacts]:
    """Inbound facts per (UTC day, language) of messages created in the intervals.

    With joined=False only the inbound messages are counted, not their replies. `windows`
    (one per interval) bound the creation time of the replies joined to each interval's
    messages, so that PostgreSQL joins two small index ranges; without them every reply is a
    candidate.
    """
    facts: dict[InboundKey, InboundFacts] = {}
    if not joined:
        _add_inbound_counts(session, intervals, facts)
        return facts
    for interval, window in zip(intervals, windows or [(None, None)] * len(intervals), strict=True):
        add_inbound_with_replies(session, interval, window, facts)
    return facts


def _status_counts(column: Any = Message.status) -> list[Any]:
    return [
        func.count(),
        _count_if(column == Status.ANSWERED.value),
        _count_if(column == Status.FAILED.value),
    ]


def _add_inbound_counts(
    session: Session, intervals: Sequence[Interval], facts: dict[InboundKey, InboundFacts]
) -> None:
    if not intervals:
        return
    day = _day(session, Message.created_at)
    query = (
        select(day, Message.language, *_status_counts())
        .where(_inbound_where(intervals))
        .group_by(day, Message.language)
    )
    for raw, lang, messages, answered, failed in session.execute(query):
        item = facts.setdefault((_as_date(raw), lang), InboundFacts())
        item.messages += _int(messages)
        item.answered += _int(answered)
        item.failed += _int(failed)


def add_inbound_with_replies(
    session: Session,
    interval: Interval,
    window: Window,
    facts: dict[InboundKey, InboundFacts],
    *,
    latest: bool = False,
) -> datetime | None:
    """Add the interval's inbound messages and their replies to `facts`.

    With latest=True, also returns the latest reply's creation time (None: no reply).

    One pass: inbound LEFT JOIN reply (at most one: reply_to_id is unique), grouped by day,
    language and both histogram buckets; Python adds the groups up.
    """
    reply = aliased(Message)
    day = _day(session, Message.created_at)
    on = [reply.reply_to_id == Message.id]
    on += [reply.created_at >= window[0]] if window[0] is not None else []
    on += [reply.created_at <= window[1]] if window[1] is not None else []
    latency, ttft = bucket_expr(reply.latency_ms), bucket_expr(reply.ttft_ms)
    joined = (
        select(day, Message.language).outerjoin(reply, and_(*on)).where(_inbound_where([interval]))
    )
    query = joined.add_columns(
        latency,
        ttft,
        *_status_counts(),
        func.count(reply.id),
        func.sum(reply.prompt_tokens),
        func.sum(reply.completion_tokens),
    ).group_by(day, Message.language, latency, ttft)
    for (
        raw,
        lang,
        lat,
        tt,
        n,
        answered,
        failed,
        replies,
        prompt,
        completion,
    ) in session.connection().execute(query):
        key = (_as_date(raw), lang)
        item = facts.get(key) or facts.setdefault(key, InboundFacts())
        item.messages += n
        item.answered += _int(answered)
        item.failed += _int(failed)
        if replies:
            item.replies += replies
            item.prompt_tokens += _int(prompt)
            item.completion_tokens += _int(completion)
            _count(item.latency, lat, replies)
            _count(item.ttft, tt, replies)
    if not latest:
        return None
    last = session.scalar(
        joined.with_only_columns(func.max(reply.created_at)).where(reply.id.is_not(None))
    )
    return None if last is None else _aware(last)


def _count(histogram: Histogram, bucket: int | None, count: int) -> None:
    if bucket is not None:
        histogram[bucket] = histogram.get(bucket, 0) + count


def live_replies(session: Session, intervals: Sequence[Interval]) -> dict[date, ReplyFacts]:
    """Reply facts per UTC day of chat replies created in the intervals (one pass)."""
    facts: dict[date, ReplyFacts] = {}
    if not intervals:
        return facts
    day = _day(session, Message.created_at)
    latency, ttft = bucket_expr(Message.latency_ms), bucket_expr(Message.ttft_ms)
    query = (
        select(
            day,
            latency,
            ttft,
            func.count(),
            func.sum(Message.prompt_tokens),
            func.sum(Message.completion_tokens),
            func.sum(Message.cached_tokens),
        )
        .where(
            _within(Message.created_at, intervals),
            Message.role == Role.ASSISTANT.value,
            Message.kind == Kind.CHAT.value,
        )
        .group_by(day, latency, ttft)
    )
    for raw, lat, tt, replies, prompt, completion, cached in session.connection().execute(query):
        day_ = _as_date(raw)
        item = facts.get(day_) or facts.setdefault(day_, ReplyFacts())
        item.replies += replies
        item.prompt_tokens += _int(prompt)
        item.completion_tokens += _int(completion)
        item.cached_tokens += _int(cached)
        _count(item.latency, lat, replies)
        _count(item.ttft, tt, replies)
    return facts


# ---------------------------------------------------------------- stored rollups


def stored_inbound(session: Session, days: Sequence[date]) -> dict[InboundKey, InboundFacts]:
    """Inbound facts of closed days from the rollup table (the days must be contiguous)."""
    if not days:
        return {}
    rows = session.execute(
        select(
            DailyInbound.day,
            DailyInbound.language,
            DailyInbound.messages,
            DailyInbound.answered,
            DailyInbound.failed,
            DailyInbound.replies,
            DailyInbound.prompt_tokens,
            DailyInbound.completion_tokens,
            DailyInbound.latency_hist,
            DailyInbound.ttft_hist,
        ).where(DailyInbound.day.between(days[0], days[-1]))
    )
    return {
        (_as_date(row[0]), row[1]): InboundFacts(*row[2:8], decode(row[8]), decode(row[9]))
        for row in rows
    }


def stored_replies(session: Session, days: Sequence[date]) -> dict[date, ReplyFacts]:
    """Reply facts of closed days from the rollup table (the days must be contiguous)."""
    if not days:
        return {}
    rows = session.execute(
        select(
            DailyReplies.day,
            DailyReplies.replies,
            DailyReplies.prompt_tokens,
            DailyReplies.completion_tokens,
            DailyReplies.cached_tokens,
            DailyReplies.latency_hist,
            DailyReplies.ttft_hist,
        ).where(DailyReplies.day.between(days[0], days[-1]))
    )
    return {_as_date(row[0]): ReplyFacts(*row[1:5], decode(row[5]), decode(row[6])) for row in rows}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_fresh(day: date, refreshed_at: datetime, now: datetime) -> bool:
    """Whether a day's rollup can be used as it is: final (SETTLE after the day) or recent."""
    refreshed_at = _aware(refreshed_at)
    return refreshed_at >= midnight(day) + timedelta(days=1) + SETTLE or now - refreshed_at < TTL


def _day_states(session: Session, days: Sequence[date]) -> dict[date, RollupDay]:
    if not days:
        return {}
    rows = session.scalars(select(RollupDay).where(RollupDay.day.between(min(days), max(days))))
    return {_as_date(row.day): row for row in rows}


def stale_days(session: Session, days: Sequence[date], now: datetime) -> list[date]:
    """The days among `days` whose rollup is missing or must be recomputed."""
    known = _day_states(session, days)
    return [d for d in days if d not in known or not is_fresh(d, known[d].refreshed_at, now)]


def last_replies(session: Session, days: Sequence[date]) -> dict[date, datetime | None]:
    """The latest reply to each rolled-up day's inbound messages (None: no reply)."""
    return {
        day: None if row.last_reply_at is None else _aware(row.last_reply_at)
        for day, row in _day_states(session, days).items()
    }


def _roomy(session: Session) -> None:
    """Give this transaction's sorts and hashes WORK_MEM (PostgreSQL's 4 MB spills to disk)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def _lock(session: Session) -> None:
    """Serialise refreshes across processes (PostgreSQL; SQLite serialises writers itself)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def ensure_days(session: Session, days: Sequence[date], now: datetime) -> list[date]:
    """Compute the rollups of the closed days that are missing or stale; returns those days."""
    if not stale_days(session, days, now):
        return []
    _lock(session)
    stale = stale_days(session, days, now)
    for day in stale:
        refresh_day(session, day, now)
    return stale


def refresh_day(session: Session, day: date, now: datetime) -> None:
    """Recompute one closed day's rollup rows from `messages`."""
    interval = [(midnight(day), midnight(day) + timedelta(days=1))]
    _delete_days(session, day, day)
    inbound: dict[InboundKey, InboundFacts] = {}
    last_reply = add_inbound_with_replies(
        session, interval[0], (interval[0][0] - SKEW, None), inbound, latest=True
    )
    if inbound:
        session.execute(insert(DailyInbound), [_inbound_row(k, v) for k, v in inbound.items()])
    replies = live_replies(session, interval).get(day)
    if replies is not None:
        session.execute(insert(DailyReplies), [_reply_row(day, replies)])
    users = (
        select(literal(day, Date), Message.user_id, Message.kind, Message.language)
        .where(
            _within(Message.created_at, interval),
            Message.role == Role.USER.value,
            Message.user_id.is_not(None),
        )
        .distinct()
    )
    session.execute(insert(DailyUser).from_select(["day", "user_id", "kind", "language"], users))
    session.execute(
        insert(RollupDay), [{"day": day, "refreshed_at": now, "last_reply_at": last_reply}]
    )


def _inbound_row(key: InboundKey, facts: InboundFacts) -> dict[str, Any]:
    return {
        "day": key[0],
        "language": key[1],
        "messages": facts.messages,
        "answered": facts.answered,
        "failed": facts.failed,
        "replies": facts.replies,
        "prompt_tokens": facts.prompt_tokens,
        "completion_tokens": facts.completion_tokens,
        "latency_hist": encode(facts.latency),
        "ttft_hist": encode(facts.ttft),
    }


def _reply_row(day: date, facts: ReplyFacts) -> dict[str, Any]:
    return {
        "day": day,
        "replies": facts.replies,
        "prompt_tokens": facts.prompt_tokens,
        "completion_tokens": facts.completion_tokens,
        "cached_tokens": facts.cached_tokens,
        "latency_hist": encode(facts.latency),
        "ttft_hist": encode(facts.ttft),
    }


def _delete_days(session: Session, first: date, last: date) -> None:
    for model in (DailyInbound, DailyReplies, DailyUser, RollupDay):
        session.execute(delete(model).where(model.day.between(first, last)))


def invalidate_days(session: Session, first: date, last: date | None = None) -> None:
    """Forget the rollups of days first..last (inclusive); they are recomputed on next read."""
    _delete_days(session, first, last or first)


def forget_user(session: Session, user_id: int) -> list[date]:
    """Invalidate every day on which the user was active (call when deleting their messages)."""
    days = sorted(
        {
            _as_date(d)
            for d in session.scalars(
                select(DailyUser.day).where(DailyUser.user_id == user_id).distinct()
            )
        }
    )
    for day in days:
        invalidate_days(session, day)
    return days


# ---------------------------------------------------------------- reading a range


@dataclass(frozen=True, slots=True)
class Plan:
    """How a range is read: closed whole days from rollups, the rest live from `messages`."""

    days: list[date]
    live: list[Interval]


def plan(start: datetime, end: datetime, now: datetime, *, use_rollups: bool = True) -> Plan:
    """Split [start, end) into whole UTC days that ended by `now` and live parts.

    The live parts never cross a midnight: the partial first day and what follows the last
    closed day (today).
    """
    if end <= start:
        return Plan([], [])
    first = midnight(start.date())
    first = first if first == start else first + timedelta(days=1)
    if not use_rollups or first >= end:
        return Plan([], [(start, end)])
    last = max(first, midnight(min(end, now).date()))  # exclusive: days before it are closed
    days = [first.date() + timedelta(days=i) for i in range((last - first).days)]
    live = [(start, first)] if start < first else []
    live += [(last, end)] if last < end else []
    return Plan(days, live)


def _windows(session: Session, live: Sequence[Interval], now: datetime) -> list[Window]:
    """Reply windows of live parts: from the part's start (less SKEW) to, for a part of a
    closed day, that day's latest reply as of its rollup."""
    closed = [s.date() for s, _ in live if s.date() < now.date()]
    ensure_days(session, closed, now)
    latest = last_replies(session, closed)
    windows: list[Window] = []
    for start, _ in live:
        lower = start - SKEW
        if start.date() not in latest:
            windows.append((lower, None))
        else:  # a closed day with no reply: an empty window
            last = latest[start.date()]
            windows.append((lower, last if last is not None else lower - timedelta(seconds=1)))
    return windows


def inbound_facts(
    session: Session,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    joined: bool = True,
    use_rollups: bool = True,
) -> dict[InboundKey, InboundFacts]:
    """Inbound facts per (day, language) for [start, end), rollups for closed days."""
    parts = plan(start, end, now, use_rollups=use_rollups)
    ensure_days(session, parts.days, now)
    found = stored_inbound(session, parts.days)
    windows = _windows(session, parts.live, now) if use_rollups and joined else None
    for key, facts in live_inbound(session, parts.live, joined=joined, windows=windows).items():
        found.setdefault(key, InboundFacts()).add(facts)
    return found


def reply_facts(
    session: Session, start: datetime, end: datetime, now: datetime, *, use_rollups: bool = True
) -> dict[date, ReplyFacts]:
    """Reply facts per day for [start, end), rollups for closed days."""
    parts = plan(start, end, now, use_rollups=use_rollups)
    ensure_days(session, parts.days, now)
    found = stored_replies(session, parts.days)
    for day, facts in live_replies(session, parts.live).items():
        found.setdefault(day, ReplyFacts()).add(facts)
    return found


def _user_rows(
    session: Session,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    chat_only: bool,
    use_rollups: bool,
) -> Select[Any, Any] | None:
    """(language, user_id) rows of every user message in the range, rollups for closed days."""
    parts = plan(start, end, now, use_rollups=use_rollups)
    ensure_days(session, parts.days, now)
    selects: list[Select[Any, Any]] = []
    if parts.days:
        stored = select(DailyUser.language, DailyUser.user_id).where(
            DailyUser.day.between(parts.days[0], parts.days[-1])
        )
        selects.append(stored.where(DailyUser.kind == Kind.CHAT.value) if chat_only else stored)
    if parts.live:
        live = select(Message.language, Message.user_id).where(
            _within(Message.created_at, parts.live),
            Message.role == Role.USER.value,
            Message.user_id.is_not(None),
        )
        selects.append(live.where(Message.kind == Kind.CHAT.value) if chat_only else live)
    if not selects:
        return None
    _roomy(session)
    # UNION (not UNION ALL) de-duplicates: PostgreSQL hashes, faster than COUNT(DISTINCT).
    return selects[0].distinct() if len(selects) == 1 else select(union(*selects).subquery())


def distinct_users(
    session: Session, start: datetime, end: datetime, now: datetime, *, use_rollups: bool = True
) -> int:
    """Distinct users who sent any message in [start, end) (exact, through daily user sets)."""
    rows = _user_rows(session, start, end, now, chat_only=False, use_rollups=use_rollups)
    if rows is None:
        return 0
    users = select(rows.subquery().c.user_id).distinct().subquery()
    return _int(session.scalar(select(func.count()).select_from(users)))


def language_users(
    session: Session, start: datetime, end: datetime, now: datetime, *, use_rollups: bool = True
) -> dict[str | None, int]:
    """Distinct senders of inbound chat messages per language in [start, end)."""
    rows = _user_rows(session, start, end, now, chat_only=True, use_rollups=use_rollups)
    if rows is None:
        return {}
    sub = rows.subquery()  # distinct (language, user_id) pairs
    query = select(sub.c.language, func.count()).group_by(sub.c.language)
    return {lang: _int(n) for lang, n in session.execute(query)}


def rebuild(session: Session, days: Iterable[date], now: datetime) -> int:
    """Recompute the rollups of the given closed days now; returns how many were computed."""
    closed = sorted(d for d in days if midnight(d) + timedelta(days=1) <= now)
    _lock(session)
    for day in closed:
        refresh_day(session, day, now)
    return len(closed)
