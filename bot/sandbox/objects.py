"""Bot API objects (User, Chat, Message) and the JSON API views built from the state."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.config import SandboxConfig
from bot.sandbox.state import ChatRecord, DraftRecord, MessageRecord


def bot_user(config: SandboxConfig) -> dict[str, Any]:
    """Return the bot as a Bot API User."""
    return {
        "id": config.resolved_bot_id(),
        "is_bot": True,
        "first_name": config.bot_first_name,
        "username": config.bot_username,
    }


def me(config: SandboxConfig) -> dict[str, Any]:
    """Return the result of getMe."""
    return {
        **bot_user(config),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_object(chat: ChatRecord) -> dict[str, Any]:
    """Return a Bot API Chat."""
    data: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.type == "private":
        data["first_name"] = chat.first_name or "User"
        if chat.username:
            data["username"] = chat.username
    else:
        data["title"] = chat.title or f"Sandbox group {chat.id}"
    return data


def message_object(
    config: SandboxConfig, chat: ChatRecord, message: MessageRecord, nested: bool = True
) -> dict[str, Any]:
    """Return a Bot API Message, with the replied-to message one level deep."""
    sender = bot_user(config) if message.sender == "bot" else message.user
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": sender,
        "chat": chat_object(chat),
        "date": message.date,
        **_content(message),
    }
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.message_thread_id is not None:
        data["message_thread_id"] = message.message_thread_id
        data["is_topic_message"] = chat.type == "supergroup"
    if message.reply_markup:
        data["reply_markup"] = message.reply_markup
    replied = chat.find(message.reply_to_message_id) if message.reply_to_message_id else None
    if replied is not None and nested:
        data["reply_to_message"] = message_object(config, chat, replied, nested=False)
    return data


def _content(message: MessageRecord) -> dict[str, Any]:
    """Return the text and entities, or for a photo the sizes and the caption."""
    if message.photo is None:
        data: dict[str, Any] = {"text": message.text}
        if message.entities:
            data["entities"] = message.entities
        return data
    data = {"photo": message.photo}
    if message.caption:
        data["caption"] = message.caption
    if message.caption_entities:
        data["caption_entities"] = message.caption_entities
    return data


def message_view(message: MessageRecord) -> dict[str, Any]:
    """Return a message as the JSON API lists it."""
    return {
        "message_id": message.message_id,
        "from": message.sender,
        "text": message.text,
        "entities": message.entities,
        "parse_mode": message.parse_mode,
        "source_text": message.source_text,
        "edit_count": message.edit_count,
        "date": message.date,
        "edit_date": message.edit_date,
        "message_thread_id": message.message_thread_id,
        "reply_to_message_id": message.reply_to_message_id,
        "user": message.user,
        "reply_markup": message.reply_markup,
        "photo": message.photo,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
    }


def draft_view(draft: DraftRecord) -> dict[str, Any]:
    """Return a draft as the JSON API shows it."""
    return {
        "draft_id": draft.draft_id,
        "text": draft.text,
        "entities": draft.entities,
        "parse_mode": draft.parse_mode,
        "updated": draft.updated,
        "message_thread_id": draft.message_thread_id,
    }


def chat_view(chat: ChatRecord) -> dict[str, Any]:
    """Return a chat summary for the JSON API."""
    last = chat.messages[-1] if chat.messages else None
    return {
        **chat_object(chat),
        "message_count": len(chat.messages),
        "last_message_date": last.date if last else None,
    }


def chat_detail(chat: ChatRecord, version: int) -> dict[str, Any]:
    """Return a chat with its messages, live drafts and typing status."""
    now = time.time()
    drafts = [draft_view(d) for d in chat.live_drafts(now)]
    return {
        "chat": chat_view(chat),
        "messages": [message_view(m) for m in chat.messages],
        "draft": drafts[-1] if drafts else None,
        "drafts": drafts,
        "typing": chat.typing_action if chat.typing_until > now else None,
        "version": version,
    }
