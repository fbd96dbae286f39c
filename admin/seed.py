"""Synthetic users, conversations and messages for demos, tests and benchmarks of the dashboard."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from core.storage import rollups
from core.storage.db import Database
from core.storage.models import Chat, Conversation, Message, User, utcnow

BATCH = 5_000
SYNTHETIC_USER_BASE = 7_000_000_000

LANGUAGES: dict[str | None, tuple[float, list[str], list[str]]] = {
    "en": (0.40, ["How do I reverse a list in Python?", "Summarise this article for me",
                  "Write a haiku about the sea", "What is the capital of Australia?"],
           ["Use `items[::-1]` or `items.reverse()`.", "Here is a short summary: …",
            "Waves fold into foam / …", "Canberra is the capital of Australia."]),
    "ru": (0.15, ["Как приготовить борщ?", "Переведи это на английский"],
           ["Вам понадобится свёкла, капуста…", "Here is the translation: …"]),
    "es": (0.12, ["¿Qué tiempo hace en Madrid?", "Explícame la fotosíntesis"],
           ["No tengo datos en tiempo real, pero…", "La fotosíntesis es…"]),
    "de": (0.08, ["Wie funktioniert ein Kühlschrank?"], ["Ein Kühlschrank nutzt einen Kreislauf…"]),
    "pt": (0.07, ["Me ajude com uma carta de apresentação"], ["Claro! Aqui está um modelo…"]),
    "fa": (0.05, ["یک شعر کوتاه بنویس"], ["در دل شب، ستاره‌ای…"]),
    "zh": (0.05, ["如何学习编程？"], ["可以从Python开始…"]),
    "ar": (0.03, ["ما هي عاصمة مصر؟"], ["عاصمة مصر هي القاهرة."]),
    None: (0.05, ["👍", "ok"], ["🙂"]),
}
FIRST_NAMES = ["Alex", "Maria", "Ivan", "Sofia", "Omid", "Li", "Ana", "Jonas", "Fatima", "Sam"]
ERRORS = [
    "InferenceTimeout: no token from the model server within 120 s",
    "TelegramError: Bad Request: message to edit not found",
    "InferenceError: 503 Service Unavailable",
    "ContextOverflow: prompt of 131200 tokens exceeds the context window",
]


@dataclass
class _Ids:
    user: int
    message: int
    conversation: int
    update: int


def _next_ids(session: Session) -> _Ids:
    def top(column: Any) -> int:
        return int(session.scalar(select(func.max(column))) or 0)

    return _Ids(
        user=max(top(User.id), SYNTHETIC_USER_BASE) + 1,
        message=top(Message.id) + 1,
        conversation=top(Conversation.id) + 1,
        update=max(top(Message.update_id), 0) + 1,
    )


def _language(rng: random.Random) -> str | None:
    keys = list(LANGUAGES)
    return rng.choices(keys, weights=[LANGUAGES[k][0] for k in keys])[0]


def _users(rng: random.Random, first_id: int, count: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        created = now - timedelta(days=rng.uniform(1, 120))
        rows.append({
            "id": first_id + i, "username": f"user{first_id + i - SYNTHETIC_USER_BASE}",
            "first_name": rng.choice(FIRST_NAMES), "language_code": _language(rng),
            "is_active": True, "created_at": created, "last_seen_at": created,
        })
    return rows


def _reply_fields(rng: random.Random, lang: str | None, asked: datetime) -> dict[str, Any]:
    failed = rng.random() < 0.03
    ttft = int(rng.lognormvariate(6.0, 0.5))
    latency = ttft + int(rng.lognormvariate(7.8, 0.6))
    prompt = rng.randint(40, 3000)
    return {
        "role": "assistant", "kind": "chat", "language": lang,
        "text": "" if failed else rng.choice(LANGUAGES[lang][2]),
        "status": "failed" if failed else "delivered",
        "prompt_tokens": None if failed else prompt,
        "completion_tokens": None if failed else rng.randint(5, 900),
        "cached_tokens": None if failed else int(prompt * rng.uniform(0, 0.8)),
        "ttft_ms": None if failed else ttft, "latency_ms": None if failed else latency,
        "finish_reason": None if failed else rng.choice(["stop"] * 9 + ["length"]),
        "error": rng.choice(ERRORS) if failed else None,
        "attempts": rng.randint(1, 3) if failed else 1,
        "created_at": asked + timedelta(milliseconds=200),
        "completed_at": asked + timedelta(milliseconds=latency),
    }


def _conversation(
    rng: random.Random, ids: _Ids, user_id: int, start: datetime, pairs: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    conv_id, lang = ids.conversation, _language(rng)
    ids.conversation += 1
    at = start
    rows: list[dict[str, Any]] = []
    for _ in range(pairs):
        inbound_id, ids.message = ids.message, ids.message + 2
        reply = _reply_fields(rng, lang, at)
        inbound_status = "answered"
        if reply["status"] == "failed":
            inbound_status = "failed" if rng.random() < 0.8 else "cancelled"
        common = {"conversation_id": conv_id, "chat_id": user_id, "thread_id": 0}
        rows.append({**common, "id": inbound_id, "user_id": user_id, "role": "user",
                     "kind": "chat", "text": rng.choice(LANGUAGES[lang][1]), "language": lang,
                     "status": inbound_status, "update_id": ids.update,
                     "attempts": reply["attempts"], "created_at": at, "completed_at": None,
                     "error": reply["error"] if inbound_status == "failed" else None})
        rows.append({**common, **reply, "id": inbound_id + 1, "user_id": None,
                     "reply_to_id": inbound_id})
        ids.update += 1
        at += timedelta(seconds=rng.uniform(20, 600))
    yield "conversations", {"id": conv_id, "chat_id": user_id, "thread_id": 0,
                            "created_at": start, "closed_at": at}
    for row in rows:
        yield "messages", row


def _insert(session: Session, table: str, rows: list[dict[str, Any]]) -> None:
    model = {"users": User, "chats": Chat, "conversations": Conversation, "messages": Message}
    if rows:
        session.execute(insert(model[table]), rows)


def _fix_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("messages", "conversations"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (fixed names)
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


def seed_database(
    db: Database, messages: int, users: int, *, days: int = 30, seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `users` users and about `messages` messages (half replies); returns messages added.

    Activity follows a skewed distribution (a few heavy users), spread over the last `days` days.
    """
    rng, now = random.Random(seed), utcnow()
    users = max(users, 1)
    with db.session() as session:
        ids = _next_ids(session)
        people = _users(rng, ids.user, users, now)
        _insert(session, "users", people)
        _insert(session, "chats", [{"id": p["id"], "type": "private", "title": None,
                                    "created_at": p["created_at"]} for p in people])
    added = 0
    pending: dict[str, list[dict[str, Any]]] = {"conversations": [], "messages": []}
    # Cumulative weights once: choices(weights=...) would sum all users' weights per draw.
    cumulative = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(users)))
    while added < messages:
        person = rng.choices(people, cum_weights=cumulative)[0]
        start = now - timedelta(days=days * rng.random() ** 0.8, minutes=30)
        pairs = min(rng.randint(1, 8), max((messages - added) // 2, 1))
        for table, row in _conversation(rng, ids, person["id"], start, pairs):
            pending[table].append(row)
        added += 2 * pairs
        if len(pending["messages"]) >= BATCH or added >= messages:
            flushed = _flush(db, pending)
            if progress is not None:
                progress(flushed)
    with db.session() as session:
        _fix_sequences(session)
        _touch_last_seen(session, people[0]["id"])
        # The new rows land in past days: their dashboard rollups must be recomputed.
        rollups.invalidate_days(session, (now - timedelta(days=days + 1)).date(), now.date())
    return added


def _touch_last_seen(session: Session, first_user_id: int) -> None:
    session.execute(
        text(
            "UPDATE users SET last_seen_at = COALESCE((SELECT MAX(m.created_at) FROM messages m "
            "WHERE m.user_id = users.id), last_seen_at) WHERE id >= :first"
        ),
        {"first": first_user_id},
    )


def _flush(db: Database, pending: dict[str, list[dict[str, Any]]]) -> int:
    flushed = len(pending["messages"])
    with db.session() as session:
        _insert(session, "conversations", pending["conversations"])
        _insert(session, "messages", pending["messages"])
    pending["conversations"].clear()
    pending["messages"].clear()
    return flushed
