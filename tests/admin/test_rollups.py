"""Daily rollups: exact numbers, day boundaries, late replies, and pages equal with or without."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from admin import queries
from admin.queries import Prices
from admin.timerange import TimeRange, preset_range
from core.storage import rollups
from core.storage.admin_models import DailyInbound, DailyReplies, DailyUser, RollupDay
from core.storage.models import Message
from tests.admin.factories import add_exchange, add_user, open_conversation

D = date(2026, 11, 10)
MIDNIGHT = datetime(2026, 11, 10, tzinfo=UTC)
ALICE, BORIS = 11, 22


def at(days: float, seconds: float = 0) -> datetime:
    """A moment relative to midnight at the start of day D."""
    return MIDNIGHT + timedelta(days=days, seconds=seconds)


# ---------------------------------------------------------------- histograms


def test_buckets_cover_every_value_once():
    for value in [*range(0, 2000), 9_999, 10_000, 123_456, 999_999]:
        low, width = rollups.bucket_bounds(rollups.bucket_of(value))
        assert low <= value < low + width
        assert width <= max(1, value // 10)
    assert rollups.bucket_bounds(rollups.bucket_of(5_000_000)) == (1_000_000, 0)
    assert rollups.bucket_of(-5) == 0


def test_percentiles_from_buckets_are_exact_on_bucket_floors_and_close_otherwise():
    floors = [40, 100, 250, 1_000, 1_200, 30_000]
    histogram = {rollups.bucket_of(v): 1 for v in floors}
    assert rollups.percentile(histogram, 0.5) == pytest.approx(625.0)
    assert rollups.percentile(histogram, 0.95) == pytest.approx(22_800.0)
    assert rollups.percentile({}, 0.5) is None
    rng = random.Random(3)
    values = [int(rng.lognormvariate(7.5, 0.8)) for _ in range(5_000)]
    histogram = {}
    for v in values:
        histogram[rollups.bucket_of(v)] = histogram.get(rollups.bucket_of(v), 0) + 1
    ordered = sorted(values)
    for q in (0.5, 0.95):
        exact = ordered[round(q * (len(values) - 1))]
        assert rollups.percentile(histogram, q) == pytest.approx(exact, rel=0.10)
    assert rollups.decode(rollups.encode(histogram)) == histogram


def test_sql_buckets_match_python(admin_db):
    values = [0, 7, 99, 100, 109, 110, 999, 1_000, 1_099, 9_999, 10_000, 99_999, 100_000,
              999_999, 1_000_000, 7_000_000]
    with admin_db.session() as s:
        conversation = open_conversation(s, add_user(s, ALICE).id, at(0))
        for v in values:
            add_exchange(s, conversation, ALICE, "x", at=at(0, 60), latency=v, ttft=v)
        facts = rollups.live_replies(s, [(at(0), at(1))])[D]
    expected: dict[int, int] = {}
    for v in values:
        expected[rollups.bucket_of(v)] = expected.get(rollups.bucket_of(v), 0) + 1
    assert facts.latency == expected and facts.ttft == expected


# ---------------------------------------------------------------- exact rollups


@pytest.fixture
def boundary(admin_db):
    """Alice writes 1 s before midnight (reply after it); Boris writes on D+1 and fails."""
    with admin_db.session() as s:
        add_user(s, ALICE, "alice")
        add_user(s, BORIS, "boris", "ru")
        a = open_conversation(s, ALICE, at(0))
        add_exchange(s, a, ALICE, "late night", at=at(1, -1), prompt=100, completion=10,
                     cached=5, ttft=200, latency=2_000)
        add_exchange(s, a, ALICE, "/help", at=at(0, 3_600), kind="command")
        b = open_conversation(s, BORIS, at(1))
        add_exchange(s, b, BORIS, "привет", at=at(1, 600), language="ru", prompt=300,
                     completion=30, cached=0, ttft=400, latency=4_000)
        add_exchange(s, b, BORIS, "сломалось", at=at(1, 700), language="ru", status="failed",
                     reply_status="failed", error="boom")
    return admin_db


def test_closed_days_are_rolled_up_exactly_across_a_day_boundary(boundary):
    now = at(2, 3_600)  # D and D+1 are closed, D+2 is today
    three_days = TimeRange(at(0), at(3), "custom")
    with boundary.session() as s:
        o = queries.overview(s, three_days, Prices(), now=now)
        inbound = {(r.day, r.language): r for r in s.scalars(select(DailyInbound))}
        replies = {r.day: r for r in s.scalars(select(DailyReplies))}
        users = {(u.day, u.user_id, u.kind, u.language) for u in s.scalars(select(DailyUser))}
        refreshed = {r.day for r in s.scalars(select(RollupDay))}
    d1 = D + timedelta(days=1)
    assert {D, d1} <= refreshed  # (and the empty days before, for the week's active users)
    assert set(inbound) == {(D, "en"), (d1, "ru")}
    en, ru = inbound[(D, "en")], inbound[(d1, "ru")]
    # Inbound basis: Alice's reply after midnight belongs to her message's day D.
    assert (en.messages, en.answered, en.failed, en.replies) == (1, 1, 0, 1)
    assert (en.prompt_tokens, en.completion_tokens) == (100, 10)
    assert rollups.decode(en.latency_hist) == {rollups.bucket_of(2_000): 1}
    assert (ru.messages, ru.answered, ru.failed, ru.replies) == (2, 1, 1, 2)
    assert (ru.prompt_tokens, ru.completion_tokens) == (300, 30)
    # Reply basis: both days' replies are counted on D+1, the day they were created.
    assert set(replies) == {d1}
    late = replies[d1]
    assert (late.replies, late.prompt_tokens, late.cached_tokens) == (3, 400, 5)
    assert users == {(D, ALICE, "chat", "en"), (D, ALICE, "command", "en"),
                     (d1, BORIS, "chat", "ru")}
    assert [(d.day, d.messages, d.replies, d.failed) for d in o.daily] == [
        (D, 1, 0, 0), (d1, 2, 3, 1), (d1 + timedelta(days=1), 0, 0, 0)]
    assert (o.answered, o.failed, o.replies) == (2, 1, 3)
    assert o.latency.p50 == 3_000 and o.ttft.p95 == pytest.approx(390.0)


def test_a_range_of_one_day_splits_replies_by_basis(boundary):
    day_d = TimeRange(at(0), at(1), "custom")
    with boundary.session() as s:
        o = queries.overview(s, day_d, Prices(), now=at(5))
        langs = {row.language: row for row in queries.languages(s, day_d, now=at(5))}
    assert (o.messages, o.replies, o.answered) == (1, 0, 1)
    assert (langs["en"].messages, langs["en"].replies, langs["en"].users) == (1, 1, 1)
    assert langs["en"].latency.p50 == 2_000


def _answer(session, inbound_id: int, created: datetime) -> None:
    inbound = session.get(Message, inbound_id)
    session.add(Message(conversation_id=inbound.conversation_id, chat_id=inbound.chat_id,
                        role="assistant", kind="chat", text="late", language=inbound.language,
                        status="delivered", reply_to_id=inbound_id, created_at=created,
                        prompt_tokens=70, completion_tokens=7, latency_ms=9_000, ttft_ms=900))
    session.execute(update(Message).where(Message.id == inbound_id).values(status="answered"))


def _english(db, now: datetime) -> queries.LanguageStats:
    with db.session() as s:
        return {r.language: r for r in queries.languages(
            s, TimeRange(at(0), at(1), "custom"), now=now)}["en"]


def test_late_replies_are_picked_up_until_the_day_settles(admin_db):
    with admin_db.session() as s:
        add_user(s, ALICE, "alice")
        a = open_conversation(s, ALICE, at(0))
        first = add_exchange(s, a, ALICE, "q1", at=at(0, 80_000), status="processing",
                             reply_status=None).inbound.id
        second = add_exchange(s, a, ALICE, "q2", at=at(0, 80_100), status="processing",
                              reply_status=None).inbound.id
    assert _english(admin_db, at(1, 3_600)).replies == 0  # D's rollup computed at 01:00
    with admin_db.session() as s:
        _answer(s, first, at(1, 5_000))  # the reply comes the next day at 01:23
    assert _english(admin_db, at(1, 3_630)).replies == 0  # within TTL: the rollup is reused
    late = _english(admin_db, at(1, 7_200))  # older than TTL and not settled: recomputed
    assert (late.replies, late.prompt_tokens, late.latency.p50) == (1, 70, 9_000)
    assert _english(admin_db, at(3)).replies == 1  # computed after SETTLE: final
    with admin_db.session() as s:
        _answer(s, second, at(3, 60))  # days late: a final rollup does not see it...
    assert _english(admin_db, at(4)).replies == 1
    with admin_db.session() as s:
        rollups.invalidate_days(s, D)  # ...until it is invalidated
    assert _english(admin_db, at(4)).replies == 2


def test_forget_user_invalidates_their_days(boundary):
    with boundary.session() as s:
        queries.overview(s, TimeRange(at(0), at(2), "custom"), Prices(), now=at(5))
        assert rollups.forget_user(s, BORIS) == [D + timedelta(days=1)]
        refreshed = {r.day for r in s.scalars(select(RollupDay))}
    assert D in refreshed and D + timedelta(days=1) not in refreshed


# ---------------------------------------------------------------- same pages either way


@pytest.fixture
def traffic(admin_db):
    """Four users over six days with random latencies, statuses and languages."""
    rng = random.Random(11)
    with admin_db.session() as s:
        for user in range(1, 5):
            add_user(s, user, f"u{user}", rng.choice(["en", "ru"]))
        conversations = {u: open_conversation(s, u, at(0)) for u in range(1, 5)}
        for _ in range(120):
            user = rng.randint(1, 4)
            status = rng.choice(["answered"] * 6 + ["failed", "pending"])
            add_exchange(
                s, conversations[user], user, "hi", at=at(rng.uniform(0, 6)),
                language=rng.choice(["en", "ru", None]), status=status,
                reply_status=None if status == "pending" else rng.choice(
                    ["delivered"] * 5 + ["failed"]),
                kind=rng.choice(["chat"] * 5 + ["command"]),
                prompt=rng.randint(1, 500), completion=rng.randint(1, 90),
                cached=rng.randint(0, 50), ttft=rng.randint(50, 3_000),
                latency=rng.randint(500, 40_000),
            )
    return admin_db


@pytest.mark.parametrize("key", ["24h", "7d", "30d", "custom"])
def test_every_page_is_the_same_with_and_without_rollups(traffic, key):
    now = at(5, 40_000)  # mid-afternoon of the sixth day: ranges have partial edges
    rng = (TimeRange(at(1), at(4), "custom") if key == "custom"
           else preset_range(key, now))
    prices = Prices(1.0, 2.0, 0.5)
    with traffic.session() as s:
        live = (queries.overview(s, rng, prices, now=now, use_rollups=False),
                queries.languages(s, rng, now=now, use_rollups=False))
        rolled = (queries.overview(s, rng, prices, now=now),
                  queries.languages(s, rng, now=now))
        again = (queries.overview(s, rng, prices, now=now),
                 queries.languages(s, rng, now=now))
        built = s.scalar(select(RollupDay.day).limit(1))
    assert rolled == live and again == live
    assert live[0].messages > 0 and built is not None  # the week of active users, at least
