"""Helpers shared by the Bot API methods: chats, flood budgets, replies and parse modes."""

from __future__ import annotations

from typing import Any

from bot.sandbox.limits import FloodKind
from bot.sandbox.protocol import Params, bad_request, too_many_requests
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import ChatRecord

_PARSE_MODES = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}


def resolve_chat(sandbox: Sandbox, params: Params) -> ChatRecord:
    """Find the chat named by ``chat_id`` (an id or an @username)."""
    raw = params.text("chat_id")
    if raw is None or not raw.strip():
        raise bad_request("chat_id is empty")
    raw = raw.strip()
    if raw.startswith("@"):
        chat = sandbox.state.chat_by_username(raw)
    else:
        try:
            chat = sandbox.state.chat(int(raw))
        except ValueError:
            chat = None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def spend(sandbox: Sandbox, kind: FloodKind, chat: ChatRecord) -> None:
    """Spend flood budgets for a call to ``chat`` or raise Telegram's 429."""
    retry_after = sandbox.flood.check(kind, chat.id, chat.is_group)
    if retry_after is not None:
        raise too_many_requests(retry_after)


def parse_mode_name(params: Params) -> str | None:
    """Return the canonical spelling of the parse mode, or None."""
    mode = (params.text("parse_mode") or "").strip()
    return _PARSE_MODES.get(mode.lower(), mode) if mode else None


def reply_target(chat: ChatRecord, params: Params) -> int | None:
    """Return the message replied to, from reply_parameters or reply_to_message_id."""
    reply = params.json_value("reply_parameters", "reply parameters")
    if reply is not None and not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    if reply:
        message_id = Params(reply).integer("message_id")
        allow = Params(reply).boolean("allow_sending_without_reply")
    else:
        message_id = params.integer("reply_to_message_id")
        allow = params.boolean("allow_sending_without_reply")
    if message_id is None or chat.find(message_id) is not None:
        return message_id
    if allow:
        return None
    raise bad_request("message to be replied not found")


def reply_markup(params: Params) -> Any:
    """Return the reply_markup object, or None."""
    markup = params.json_value("reply_markup", "reply markup")
    if markup is not None and not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup or None
