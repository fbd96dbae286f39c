"""Every dashboard query on an exact dataset, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from admin import queries
from admin.queries import Prices, SearchFilters, UserFilters
from admin.sqlstats import Percentiles, percentiles
from admin.timerange import TimeRange
from core.storage import policy
from core.storage.admin_models import Persona
from core.storage.models import Message
from tests.admin.factories import NOW, add_exchange, add_user, open_conversation

RANGE = TimeRange(NOW - timedelta(days=3), NOW + timedelta(hours=1), "custom")
ALICE, BORIS, CARLA = 101, 202, 303


@pytest.fixture
def dataset(admin_db):
    """Alice (en, 3 answered), Boris (ru, 2 answered, 2 failed), Carla (silent), plus noise."""
    with admin_db.session() as s:
        add_user(s, ALICE, "alice", "en", seen=NOW)
        add_user(s, BORIS, "boris", "ru", seen=NOW - timedelta(hours=2))
        add_user(s, CARLA, "carla", "es", seen=NOW - timedelta(days=5))
        a = open_conversation(s, ALICE, NOW - timedelta(days=2))
        for i, text in enumerate(["What is the capital of France?", "Tell me a joke",
                                  "100% sure_thing"]):
            add_exchange(s, a, ALICE, text, at=NOW - timedelta(days=2) + timedelta(minutes=i),
                         prompt=100 * (i + 1), completion=10 * (i + 1), cached=50 * i,
                         ttft=100 * (i + 1), latency=1000 * (i + 1))
        add_exchange(s, a, ALICE, "/stats", at=NOW - timedelta(hours=1), kind="command",
                     prompt=0, completion=0, cached=0)
        add_exchange(s, a, ALICE, "ancient", at=NOW - timedelta(days=10))
        b = open_conversation(s, BORIS, NOW - timedelta(days=1))
        for i, text in enumerate(["Привет", "Как дела"]):
            add_exchange(s, b, BORIS, text, at=NOW - timedelta(days=1) + timedelta(minutes=i),
                         language="ru", prompt=400 + 100 * i, completion=40, cached=0,
                         ttft=400 + 100 * i, latency=4000 + 1000 * i)
        add_exchange(s, b, BORIS, "Сломалось", at=NOW - timedelta(hours=20), language="ru",
                     status="failed", reply_status="failed", error="boom", attempts=3)
        add_exchange(s, b, BORIS, "Упало", at=NOW - timedelta(hours=19), language="ru",
                     status="failed", reply_status=None, error="worker died", attempts=2)
    return admin_db


def continuous_percentile(values: list[int], q: float) -> float:
    """The reference: PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_percentiles_match_percentile_cont(admin_db):
    rng = random.Random(5)
    values = [rng.randint(1, 10_000) for _ in range(37)]
    with admin_db.session() as s:
        a = open_conversation(s, add_user(s, 1).id)
        for v in values:
            add_exchange(s, a, 1, "x", latency=v)
        found = percentiles(s, select(Message.latency_ms).where(Message.role == "assistant"))
        empty = percentiles(s, select(Message.latency_ms).where(Message.id < 0))
    assert found.p50 == pytest.approx(continuous_percentile(values, 0.5))
    assert found.p95 == pytest.approx(continuous_percentile(values, 0.95))
    assert empty == Percentiles(None, None)


def test_overview(dataset):
    prices = Prices(input_per_mtok=2.0, output_per_mtok=8.0, cached_per_mtok=0.5)
    with dataset.session() as s:
        o = queries.overview(s, RANGE, prices)
    assert (o.messages, o.replies, o.answered, o.failed) == (7, 6, 5, 2)
    assert o.error_rate == pytest.approx(2 / 7)
    assert (o.active_users_day, o.active_users_week) == (2, 2)
    assert o.ttft.p50 == 300 and o.ttft.p95 == pytest.approx(480.0)
    assert o.latency.p50 == 3000 and o.latency.p95 == pytest.approx(4800.0)
    assert (o.tokens.prompt, o.tokens.completion, o.tokens.cached) == (1500, 140, 150)
    expected = ((1500 - 150) * 2.0 + 150 * 0.5 + 140 * 8.0) / 1_000_000
    assert o.tokens.cost == pytest.approx(expected)
    assert [d.day for d in o.daily] == RANGE.days()
    by_day = {d.day: d for d in o.daily}
    assert by_day[(NOW - timedelta(days=2)).date()].messages == 3
    assert sum(d.failed for d in o.daily) == 2


def test_overview_of_an_empty_range(dataset):
    empty = TimeRange(NOW + timedelta(days=30), NOW + timedelta(days=31), "custom")
    with dataset.session() as s:
        o = queries.overview(s, empty, Prices())
    assert (o.messages, o.replies, o.error_rate) == (0, 0, None)
    assert o.latency == Percentiles(None, None) and o.tokens.cost == 0
    assert all(d.messages == 0 for d in o.daily) and len(o.daily) == 2


def test_languages(dataset):
    with dataset.session() as s:
        stats = {row.language: row for row in queries.languages(s, RANGE)}
    assert set(stats) == {"en", "ru"}
    en, ru = stats["en"], stats["ru"]
    assert (en.messages, en.users, en.replies) == (3, 1, 3)
    assert (ru.messages, ru.users, ru.replies) == (4, 1, 3)
    assert (en.prompt_tokens, en.completion_tokens) == (600, 60)
    assert en.latency.p50 == 2000 and ru.latency.p50 == 4500
    assert ru.ttft.p95 == pytest.approx(495.0)


def test_search_by_text_user_chat_language_and_date(dataset):
    with dataset.session() as s:
        capital = queries.search_messages(s, SearchFilters(text="CAPITAL"))
        literal = queries.search_messages(s, SearchFilters(text="0% s"))
        wildcard = queries.search_messages(s, SearchFilters(text="%"))
        by_name = queries.search_messages(s, SearchFilters(user="@ali"))
        by_id = queries.search_messages(s, SearchFilters(user=str(BORIS)))
        by_chat = queries.search_messages(s, SearchFilters(chat_id=BORIS, language="ru"))
        dated = queries.search_messages(
            s, SearchFilters(user="alice", start=(NOW - timedelta(days=11)).date(),
                             end=(NOW - timedelta(days=9)).date()))
    assert [h.snippet for h in capital.rows] == ["What is the capital of France?"]
    assert [h.snippet for h in literal.rows] == ["100% sure_thing"]
    assert [h.snippet for h in wildcard.rows] == ["100% sure_thing"]  # % is not a wildcard
    assert {h.user_id for h in by_name.rows} == {ALICE} and len(by_name.rows) == 5
    assert all(h.username == "alice" for h in by_name.rows)
    assert len(by_id.rows) == 4
    assert len(by_chat.rows) == 7 and all(h.chat_id == BORIS for h in by_chat.rows)
    assert [h.snippet for h in dated.rows] == ["ancient"]
    times = [h.created_at for h in by_chat.rows]
    assert times == sorted(times, reverse=True)


def test_search_pages(dataset):
    with dataset.session() as s:
        first = queries.search_messages(s, SearchFilters(), offset=0, limit=4)
        second = queries.search_messages(s, SearchFilters(), offset=4, limit=4)
        rest = queries.search_messages(s, SearchFilters(), offset=8, limit=100)
    assert first.has_more and second.has_more and not rest.has_more
    ids = [h.id for h in first.rows + second.rows + rest.rows]
    assert len(ids) == len(set(ids)) == 17


def test_conversation_thread(dataset):
    with dataset.session() as s:
        hit = queries.search_messages(s, SearchFilters(text="joke")).rows[0]
        thread = queries.conversation_thread(s, hit.conversation_id)
        missing = queries.conversation_thread(s, 999_999)
    assert missing is None and thread is not None
    assert thread.chat_id == ALICE and thread.chat_type == "private"
    assert [m.role for m in thread.messages[:2]] == ["user", "assistant"]
    assert [m.id for m in thread.messages] == sorted(m.id for m in thread.messages)
    reply = next(m for m in thread.messages if m.reply_to_id == hit.id)
    assert (reply.prompt_tokens, reply.latency_ms, reply.finish_reason) == (200, 2000, "stop")


def test_list_users_with_usage_and_filters(dataset):
    with dataset.session() as s:
        policy.set_banned(s, BORIS, True)
        policy.set_allowed(s, 999, True)  # an id that never wrote
    with dataset.session() as s:
        everyone = queries.list_users(s, UserFilters(), RANGE)
        banned = queries.list_users(s, UserFilters(status="banned"), RANGE)
        allowed = queries.list_users(s, UserFilters(status="allowed"), RANGE)
        named = queries.list_users(s, UserFilters(q="@bor"), RANGE)
        by_id = queries.list_users(s, UserFilters(q=str(CARLA)), RANGE)
    assert [u.id for u in everyone.rows] == [ALICE, BORIS, CARLA]
    alice = everyone.rows[0]
    assert (alice.messages, alice.tokens) == (3, 600 + 60)
    assert everyone.rows[1].banned and not everyone.rows[0].banned
    assert [u.id for u in banned.rows] == [BORIS]
    assert [(u.id, u.known, u.allowed) for u in allowed.rows] == [(999, False, True)]
    assert [u.id for u in named.rows] == [BORIS] and [u.id for u in by_id.rows] == [CARLA]


def test_user_detail(dataset):
    with dataset.session() as s:
        detail = queries.user_detail(s, ALICE, RANGE)
        assert queries.user_detail(s, 123_456, RANGE) is None
        policy.set_allowed(s, 999, True)
        ghost = queries.user_detail(s, 999, RANGE)
    assert detail is not None and detail.user.username == "alice"
    assert sum(d.messages for d in detail.daily) == 3 and len(detail.daily) == len(RANGE.days())
    assert len(detail.recent) == 5 and detail.recent[0].snippet == "/stats"
    assert ghost is not None and not ghost.user.known and ghost.daily[0].messages == 0


def test_failures(dataset):
    with dataset.session() as s:
        found = queries.failures(s, RANGE)
    assert found.total == 2
    rows = {row.error: row for row in found.page.rows}
    assert set(rows) == {"boom", "worker died"}
    boom = rows["boom"]
    assert boom.role == "assistant" and boom.inbound_text == "Сломалось"
    assert boom.inbound_status == "failed" and boom.user_id == BORIS
    assert boom.outcome == "not answered: gave up after 3 attempt(s)"
    assert rows["worker died"].role == "user"
    assert {e.error: e.count for e in found.top_errors} == {"boom": 1, "worker died": 1}


def test_personas_with_user_counts(admin_db):
    with admin_db.session() as s:
        now = NOW
        s.add_all([Persona(name="B", system_prompt="b", sort_order=2, created_at=now,
                           updated_at=now),
                   Persona(name="A", system_prompt="a", sort_order=1, enabled=False,
                           created_at=now, updated_at=now)])
        s.flush()
        b = s.scalar(select(Persona.id).where(Persona.name == "B"))
        policy.set_user_prefs(s, 1, persona_id=b)
        policy.set_user_prefs(s, 2, persona_id=b)
    with admin_db.session() as s:
        rows = queries.personas(s)
    assert [(r.name, r.enabled, r.users) for r in rows] == [("A", False, 0), ("B", True, 2)]


def test_known_languages(dataset):
    with dataset.session() as s:
        assert set(queries.known_languages(s)) <= {"en", "ru"}


def test_estimate_cost_never_negative():
    assert queries.estimate_cost(10, 0, 50, Prices(1, 1, 1)) == pytest.approx(50 / 1e6)
    assert date(2026, 1, 1) in TimeRange(NOW.replace(year=2026, month=1, day=1),
                                         NOW.replace(year=2026, month=1, day=2), "c").days()
