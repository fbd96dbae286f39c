"""The intake and pipeline queries against real databases."""

from __future__ import annotations

from datetime import timedelta

from core.storage import queries
from core.storage.db import Database
from core.storage.models import Kind, Status


def inbound(
    update_id: int, text: str = "hi", chat_id: int = 10, user_id: int = 7
) -> queries.Inbound:
    return queries.Inbound(
        update_id=update_id,
        chat_id=chat_id,
        chat_type="private",
        chat_title=None,
        thread_id=0,
        user_id=user_id,
        username="u",
        first_name="Ada",
        language_code="en",
        telegram_message_id=update_id,
        text=text,
        kind=Kind.CHAT,
    )


def test_record_update_deduplicates(db: Database) -> None:
    with db.session() as s:
        assert queries.record_update(s, 1, "message")
    with db.session() as s:
        assert not queries.record_update(s, 1, "message")
        assert queries.record_update(s, 2, "message")


def test_open_messages_come_in_order_and_reply_is_stored_once(db: Database) -> None:
    with db.session() as s:
        first = queries.add_inbound(s, inbound(1, "one"))
        queries.add_inbound(s, inbound(2, "two"))
    with db.session() as s:
        nxt = queries.next_open_message(s, 10)
        assert nxt is not None and nxt.id == first.id
        claimed = queries.claim(s, first.id)
        assert claimed is not None and claimed.attempts == 1
        record = queries.ReplyRecord("answer", Kind.CHAT, 99, prompt_tokens=5)
        queries.store_reply(s, claimed, record)
        again = queries.store_reply(s, claimed, record)
        assert again.telegram_message_id == 99
    with db.session() as s:
        assert queries.claim(s, first.id) is None
        nxt = queries.next_open_message(s, 10)
        assert nxt is not None and nxt.text == "two"
        assert queries.count_by_status(s) == {
            Status.ANSWERED.value: 1,
            Status.DELIVERED.value: 1,
            Status.PENDING.value: 1,
        }


def test_history_keeps_answered_turns_in_order(db: Database) -> None:
    with db.session() as s:
        m1 = queries.add_inbound(s, inbound(1, "q1"))
        queries.store_reply(s, m1, queries.ReplyRecord("a1", Kind.CHAT, 1))
        failed = queries.add_inbound(s, inbound(2, "lost"))
        queries.mark_failed(s, failed.id, "model down")
        m3 = queries.add_inbound(s, inbound(3, "q2"))
    with db.session() as s:
        turns = queries.history(s, m3.conversation_id, m3.id)
        assert [(t.role, t.text) for t in turns] == [
            ("user", "q1"),
            ("assistant", "a1"),
            ("user", "q2"),
        ]


def test_new_conversation_after_close(db: Database) -> None:
    with db.session() as s:
        old = queries.add_inbound(s, inbound(1))
        assert queries.close_conversation(s, 10)
        new = queries.add_inbound(s, inbound(2))
        assert new.conversation_id != old.conversation_id
        assert not queries.close_conversation(s, 10, thread_id=5)


def test_release_and_orphan_detection(db: Database) -> None:
    with db.session() as s:
        m = queries.add_inbound(s, inbound(1))
        queries.claim(s, m.id)
        queries.release(s, m.id, "telegram: timeout")
    with db.session() as s:
        assert queries.chats_with_open_work(s, timedelta(0)) == [10]
        assert queries.chats_with_open_work(s, timedelta(hours=1)) == []
