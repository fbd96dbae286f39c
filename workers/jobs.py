"""Claiming an inbound message: the job with everything answering it needs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.i18n import Translator, resolve_language, translator
from bot.language import detect_language
from core.storage import policy, queries
from core.storage.models import Chat, Kind, Message, User, utcnow
from workers.runtime import Runtime

# Telegram clients split a long paste into messages of at most 4096 characters sent together.
BURST_WINDOW = timedelta(seconds=1.0)
SPLIT_PASTE_LENGTH = 3800


@dataclass(frozen=True)
class Job:
    """A claimed inbound message with what answering it needs."""

    message_id: int
    chat_id: int
    chat_type: str
    thread_id: int
    conversation_id: int
    user_id: int | None
    first_name: str | None
    telegram_language: str | None
    kind: str
    text: str
    attempts: int
    chosen_language: str | None
    detected_language: str | None
    persona_prompt: str | None

    @property
    def ui(self) -> Translator:
        """The translator of the bot's own texts for this user."""
        return translator(resolve_language(self.chosen_language, self.telegram_language))

    @property
    def reply_language(self) -> str | None:
        """The language the answer should be in: the /lang choice, else the message's."""
        return self.chosen_language or self.detected_language


def claim_job(rt: Runtime, message_id: int) -> Job | None:
    """Claim an open message (folding a split paste into it); None when already finished."""
    _wait_for_rest_of_paste(rt, message_id)
    with rt.db.session() as session:
        message = queries.claim(session, message_id)
        if message is None:
            return None
        if message.kind == Kind.CHAT.value:
            _merge_burst(session, message)
            _detect(session, message)
        return _job(session, message)


def _wait_for_rest_of_paste(rt: Runtime, message_id: int) -> None:
    """Give the rest of a split paste a moment to arrive before answering its first part."""
    with rt.db.session() as session:
        message = session.get(Message, message_id)
        if message is None or len(message.text) < SPLIT_PASTE_LENGTH:
            return
        age = (utcnow() - _aware(message.created_at)).total_seconds()
    remaining = BURST_WINDOW.total_seconds() - age
    if remaining > 0:
        time.sleep(remaining)


def _merge_burst(session: Session, message: Message) -> None:
    followers = queries.burst_followers(session, message, BURST_WINDOW)
    if followers:
        text = "\n".join([message.text, *(f.text for f in followers)])
        queries.merge_into(session, message.id, followers, text)
        message.text = text


def _detect(session: Session, message: Message) -> None:
    if message.language is None:
        detection = detect_language(message.text)
        message.language = detection.code if detection.reliable else None
        queries.set_language(session, message.id, message.language)


def _job(session: Session, message: Message) -> Job:
    chat = session.get(Chat, message.chat_id)
    user = session.get(User, message.user_id) if message.user_id else None
    prefs = policy.get_user_prefs(session, message.user_id) if message.user_id else None
    return Job(
        message_id=message.id,
        chat_id=message.chat_id,
        chat_type=chat.type if chat else "private",
        thread_id=message.thread_id,
        conversation_id=message.conversation_id,
        user_id=message.user_id,
        first_name=user.first_name if user else None,
        telegram_language=user.language_code if user else None,
        kind=message.kind,
        text=message.text,
        attempts=message.attempts,
        chosen_language=prefs.ui_language if prefs else None,
        detected_language=message.language,
        persona_prompt=prefs.persona.system_prompt if prefs and prefs.persona else None,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
