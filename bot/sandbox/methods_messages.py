"""Bot API methods that write to chats: messages, edits, deletions, drafts and chat actions."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.common import (
    parse_mode_name,
    reply_markup,
    reply_target,
    resolve_chat,
    spend,
)
from bot.sandbox.limits import FloodKind
from bot.sandbox.objects import message_object
from bot.sandbox.protocol import Params, bad_request
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import DraftRecord, MessageRecord
from bot.sandbox.validation import draft_text, message_text

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = {
    "cancel", "typing", "upload_photo", "record_video", "upload_video", "record_voice",
    "upload_voice", "record_audio", "upload_audio", "upload_document", "choose_sticker",
    "find_location", "record_video_note", "upload_video_note",
}


async def send_message(sandbox: Sandbox, params: Params) -> Any:
    """sendMessage: validate, spend flood budgets, append, end drafts."""
    chat = resolve_chat(sandbox, params)
    text = params.text("text")
    formatted = message_text(text, params.text("parse_mode"), params.json_value("entities"))
    reply_to = reply_target(chat, params)
    markup = reply_markup(params)
    thread_id = params.integer("message_thread_id")
    spend(sandbox, FloodKind.MESSAGE, chat)
    message = sandbox.state.add_message(chat, MessageRecord(
        message_id=0, sender="bot", date=int(time.time()), text=formatted.text,
        entities=formatted.entities, parse_mode=parse_mode_name(params), source_text=text,
        message_thread_id=thread_id, reply_to_message_id=reply_to, reply_markup=markup,
    ))
    return message_object(sandbox.config, chat, message)


async def edit_message_text(sandbox: Sandbox, params: Params) -> Any:
    """editMessageText: only the bot's own messages, and only with a real change."""
    if params.has("inline_message_id") and not params.has("chat_id"):
        raise bad_request("message to edit not found")
    chat = resolve_chat(sandbox, params)
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    text = params.text("text")
    formatted = message_text(text, params.text("parse_mode"), params.json_value("entities"))
    markup = reply_markup(params)
    message = chat.find(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender != "bot":
        raise bad_request("message can't be edited")
    if (formatted.text, formatted.entities, markup) == (
        message.text, message.entities, message.reply_markup or None
    ):
        raise bad_request(NOT_MODIFIED)
    spend(sandbox, FloodKind.MESSAGE, chat)
    sandbox.state.edit_message(
        chat, message, formatted, parse_mode_name(params), text or "", markup
    )
    return message_object(sandbox.config, chat, message)


async def delete_message(sandbox: Sandbox, params: Params) -> Any:
    """deleteMessage: remove a message of the chat."""
    chat = resolve_chat(sandbox, params)
    message_id = params.integer("message_id")
    message = chat.find(message_id) if message_id is not None else None
    if message is None:
        raise bad_request("message to delete not found")
    sandbox.state.delete_message(chat, message)
    return True


async def send_chat_action(sandbox: Sandbox, params: Params) -> Any:
    """sendChatAction: show "typing" and friends for up to 5 seconds."""
    action = (params.text("action") or "").strip().lower()
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = resolve_chat(sandbox, params)
    spend(sandbox, FloodKind.ACTION, chat)
    sandbox.state.set_typing(chat, action)
    return True


async def send_message_draft(sandbox: Sandbox, params: Params) -> Any:
    """sendMessageDraft: keep the latest text per (chat, draft_id) until the bot sends."""
    chat = resolve_chat(sandbox, params)
    if chat.type != "private":
        raise bad_request("TEXTDRAFT_PEER_INVALID")
    draft_id = params.integer("draft_id")
    if not draft_id:
        raise bad_request("RANDOM_ID_INVALID")
    formatted = draft_text(
        params.text("text"), params.text("parse_mode"), params.json_value("entities")
    )
    thread_id = params.integer("message_thread_id")
    spend(sandbox, FloodKind.DRAFT, chat)
    sandbox.state.set_draft(chat, DraftRecord(
        draft_id=draft_id, text=formatted.text, entities=formatted.entities,
        parse_mode=parse_mode_name(params), updated=time.time(), message_thread_id=thread_id,
    ))
    return True


HANDLERS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
    "sendMessageDraft": send_message_draft,
}
