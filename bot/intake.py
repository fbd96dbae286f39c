"""The intake: validate an update, de-duplicate it, store it, enqueue its work.

Webhook and polling both call `accept_update`. It never calls the model or Telegram, so the
webhook can acknowledge in milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from core.chat_signals import ChatSignals
from core.logging import get_logger
from core.queue import Enqueuer
from core.storage import queries
from core.storage.db import Database
from core.storage.models import Kind

log = get_logger(__name__)

UPDATE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "callback_query",
    "inline_query",
    "my_chat_member",
    "chat_member",
    "message_reaction",
    "stopped_message_generation",
)
GROUP_TYPES = ("group", "supergroup")
# What the bot asks Telegram for (setWebhook / getUpdates allowed_updates).
ALLOWED_UPDATES = ["message", "callback_query", "stopped_message_generation"]


class InvalidUpdate(ValueError):
    """The body is not a Telegram update; the reason is safe to show to the sender."""


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, to tell messages addressed to it in groups."""

    id: int
    username: str | None


_ANY_BOT = BotIdentity(id=0, username=None)


@dataclass(frozen=True)
class IntakeResult:
    """What the intake did with an update."""

    outcome: Literal["accepted", "duplicate", "ignored"]
    chat_id: int | None = None
    message_id: int | None = None
    # A Bot API call Telegram runs from the webhook's answer (no outbound call in the request).
    webhook_reply: dict[str, Any] | None = None


def parse_update(body: bytes) -> dict[str, Any]:
    """Decode a webhook body into an update dict, or raise InvalidUpdate with a short reason."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidUpdate("malformed JSON") from exc
    return validate_update(data)


def validate_update(data: Any) -> dict[str, Any]:
    """Check the shape every update has: an object with a positive integer update_id."""
    if not isinstance(data, dict):
        raise InvalidUpdate("an update must be a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise InvalidUpdate("update_id must be a non-negative integer")
    return data


def update_kind(update: dict[str, Any]) -> str:
    """The update's payload field name, or 'unknown'."""
    for kind in UPDATE_KINDS:
        if kind in update:
            return kind
    return next((key for key in update if key != "update_id"), "unknown")


def accept_update(
    db: Database,
    enqueuer: Enqueuer,
    update: dict[str, Any],
    bot: BotIdentity,
    signals: ChatSignals | None = None,
) -> IntakeResult:
    """Store a new update and enqueue its chat; duplicates and unhandled kinds are no-ops."""
    kind = update_kind(update)
    inbound = extract_inbound(update, bot)
    with db.session() as session:
        if not queries.record_update(session, update["update_id"], kind):
            return IntakeResult("duplicate")
        if inbound is None:
            _signal_stop_generation(update, signals)
            return IntakeResult("ignored")
        message = queries.add_inbound(session, inbound)
        message_id = message.id
    if signals is not None and inbound.text.split(" ", 1)[0] == "/stop":
        _quietly(lambda: signals.request_stop(inbound.chat_id), "stop_signal_failed")
    _quietly(lambda: enqueuer.drain_chat(inbound.chat_id), "enqueue_failed")
    return IntakeResult("accepted", inbound.chat_id, message_id, _callback_answer(update))


def _quietly(action: Any, event: str) -> None:
    """Run a best-effort Redis action: the stored message is recovered by the sweeper."""
    try:
        action()
    except Exception as exc:
        log.warning(event, error=type(exc).__name__)


def _signal_stop_generation(update: dict[str, Any], signals: ChatSignals | None) -> None:
    """The user pressed the stop button of a streaming draft (Bot API 10.3)."""
    stopped = update.get("stopped_message_generation")
    chat = stopped.get("chat") if isinstance(stopped, dict) else None
    if signals is not None and isinstance(chat, dict) and isinstance(chat.get("id"), int):
        _quietly(lambda: signals.request_stop(int(chat["id"])), "stop_signal_failed")


def _callback_answer(update: dict[str, Any]) -> dict[str, Any] | None:
    query = update.get("callback_query")
    if not isinstance(query, dict) or "id" not in query:
        return None
    return {"method": "answerCallbackQuery", "callback_query_id": str(query["id"])}


def extract_inbound(update: dict[str, Any], bot: BotIdentity) -> queries.Inbound | None:
    """The inbound text message an update carries, if the bot should answer it."""
    if isinstance(update.get("callback_query"), dict):
        return _from_callback(update, update["callback_query"])
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    sender = message.get("from")
    if not isinstance(chat, dict) or not isinstance(sender, dict) or sender.get("is_bot"):
        return None
    image = largest_photo(message)
    text = message.get("text") if image is None else (message.get("caption") or "")
    if not isinstance(text, str):
        return None
    addressed = addressed_text(message, text, chat.get("type", "private"), bot)
    if addressed is None and image is not None and chat.get("type") not in GROUP_TYPES:
        addressed = ""  # a photo without a caption, in a private chat
    if addressed is None:
        return None
    kind = Kind.COMMAND if addressed.startswith("/") else Kind.CHAT
    try:
        return queries.Inbound(
            update_id=int(update["update_id"]),
            chat_id=int(chat["id"]),
            chat_type=str(chat.get("type", "private")),
            chat_title=chat.get("title"),
            thread_id=int(message.get("message_thread_id") or 0)
            if message.get("is_topic_message")
            else 0,
            user_id=int(sender["id"]),
            username=sender.get("username"),
            first_name=sender.get("first_name"),
            language_code=sender.get("language_code"),
            telegram_message_id=int(message.get("message_id", 0)),
            text=addressed,
            kind=kind,
            image_file_id=image,
        )
    except (KeyError, TypeError, ValueError):
        return None


def largest_photo(message: dict[str, Any]) -> str | None:
    """The file id of the largest size of a photo message (Telegram sends several sizes)."""
    sizes = message.get("photo")
    if not isinstance(sizes, list):
        return None
    valid = [s for s in sizes if isinstance(s, dict) and isinstance(s.get("file_id"), str)]
    if not valid:
        return None
    best = max(valid, key=lambda s: int(s.get("width", 0)) * int(s.get("height", 0)))
    return str(best["file_id"])


def _from_callback(update: dict[str, Any], query: dict[str, Any]) -> queries.Inbound | None:
    """A pressed inline button ("lang:de") becomes the command it stands for ("/lang de")."""
    data, message = query.get("data"), query.get("message")
    if not isinstance(data, str) or not isinstance(message, dict):
        return None
    name, _, arg = data.partition(":")
    if not name.isidentifier():
        return None
    synthetic = {**message, "text": f"/{name} {arg}".strip(), "from": query.get("from")}
    return extract_inbound({"update_id": update["update_id"], "message": synthetic}, _ANY_BOT)


def addressed_text(
    message: dict[str, Any], text: str, chat_type: str, bot: BotIdentity
) -> str | None:
    """The text meant for the bot, or None when a group message is not addressed to it.

    In groups the bot answers commands, `/ask ...`, mentions and replies to its own messages.
    """
    text = text.strip()
    if not text:
        return None
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        name, _, target = command.partition("@")
        if target and bot.username and target.lower() != bot.username.lower():
            return None
        if name.lower() == "/ask":
            return rest.strip() or None
        return f"{name.lower()} {rest}".strip()
    if chat_type not in GROUP_TYPES:
        return text
    mention = f"@{bot.username}" if bot.username else None
    if mention and mention.lower() in text.lower():
        stripped = _remove_mention(text, mention)
        return stripped or None
    reply_to = message.get("reply_to_message")
    if isinstance(reply_to, dict) and (reply_to.get("from") or {}).get("id") == bot.id:
        return text
    return None


def _remove_mention(text: str, mention: str) -> str:
    lower = text.lower()
    index = lower.find(mention.lower())
    return (text[:index] + text[index + len(mention) :]).strip()
