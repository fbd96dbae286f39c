"""The JSON API for the chat page and for tests: inject user messages, read chats, inspect."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.faults import FaultSpecError
from bot.sandbox.objects import chat_detail, chat_view, message_object
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import CallbackRecord, ChatRecord, ChatType, MessageRecord
from bot.sandbox.validation import MAX_TEXT_LENGTH, Entity, utf16_len

MAX_WAIT = 30.0
SUPERGROUP_MIN_ID = -1_000_000_000_000
DEFAULT_GROUP_USER = 1001
_ENTITY_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}\b")),
)


class JsonApiError(Exception):
    """A 4xx answer of the JSON API with a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def json_api_error(request: Request, exc: Exception) -> Response:
    """Render JsonApiError (and anything unexpected) as JSON, never a traceback."""
    if isinstance(exc, JsonApiError):
        return JSONResponse({"error": exc.reason}, status_code=exc.status)
    return JSONResponse({"error": "internal error"}, status_code=500)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise JsonApiError(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise JsonApiError(400, "the body must be a JSON object")
    return body


def _int(body: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise JsonApiError(400, f"{key} must be an integer")
    return value


def _str(body: dict[str, Any], key: str, limit: int = 64) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise JsonApiError(400, f"{key} must be a string of at most {limit} characters")
    return value


def _chat_id(request: Request) -> int:
    try:
        chat_id = int(request.path_params["chat_id"])
    except ValueError as exc:
        raise JsonApiError(400, "chat_id must be an integer") from exc
    if chat_id == 0:
        raise JsonApiError(400, "chat_id must not be 0")
    return chat_id


def detect_entities(text: str) -> list[Entity]:
    """Find bot_command and mention entities in a user's text, as Telegram marks them."""
    entities = []
    for kind, pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            entities.append({"type": kind, "offset": offset, "length": utf16_len(match.group())})
    return sorted(entities, key=lambda e: e["offset"])


def _chat_type(chat_id: int, body: dict[str, Any], existing: ChatRecord | None) -> ChatType:
    wanted = body.get("chat_type")
    if wanted not in (None, "private", "group", "supergroup"):
        raise JsonApiError(400, "chat_type must be private, group or supergroup")
    if existing is not None:
        if wanted not in (None, existing.type):
            raise JsonApiError(409, f"chat {chat_id} is a {existing.type} chat")
        return existing.type
    if wanted is None:
        wanted = "private" if chat_id > 0 else "group"
        if chat_id <= SUPERGROUP_MIN_ID:
            wanted = "supergroup"
    if (wanted == "private") != (chat_id > 0):
        raise JsonApiError(400, "private chats have positive ids, groups negative ones")
    return cast(ChatType, wanted)


def _user(chat_id: int, chat_type: ChatType, body: dict[str, Any],
          existing: ChatRecord | None) -> dict[str, Any]:
    default_id = chat_id if chat_type == "private" else DEFAULT_GROUP_USER
    user_id = _int(body, "user_id", default_id)
    assert user_id is not None
    if user_id <= 0 or (chat_type == "private" and user_id != chat_id):
        raise JsonApiError(400, "user_id must be positive and equal chat_id in a private chat")
    known = existing.first_name if existing and chat_type == "private" else None
    user: dict[str, Any] = {
        "id": user_id, "is_bot": False,
        "first_name": _str(body, "first_name") or known or f"User {user_id}",
    }
    for key, limit in (("username", 32), ("language_code", 35)):
        if (value := _str(body, key, limit)) is not None:
            user[key] = value
    return user


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise JsonApiError(400, "text must be a non-empty string")
    if len(text) > MAX_TEXT_LENGTH:
        raise JsonApiError(400, f"text must be at most {MAX_TEXT_LENGTH} characters")
    return text


def _chat_for(sandbox: Sandbox, chat_id: int, body: dict[str, Any],
              user: dict[str, Any], chat_type: ChatType) -> ChatRecord:
    chat = sandbox.state.chat(chat_id)
    if chat is None:
        chat = ChatRecord(id=chat_id, type=chat_type)
        sandbox.state.chats[chat_id] = chat
    if chat_type == "private":
        chat.first_name = user["first_name"]
        chat.username = user.get("username", chat.username)
    elif (title := _str(body, "title", 128)) is not None:
        chat.title = title
    return chat


async def post_message(sandbox: Sandbox, request: Request) -> Response:
    """Inject a user message; it becomes an update for the webhook or getUpdates."""
    chat_id, body = _chat_id(request), await _body(request)
    text = _text(body)
    existing = sandbox.state.chat(chat_id)
    chat_type = _chat_type(chat_id, body, existing)
    user = _user(chat_id, chat_type, body, existing)
    reply_to = _int(body, "reply_to_message_id")
    if reply_to is not None and (existing is None or existing.find(reply_to) is None):
        raise JsonApiError(400, "reply_to_message_id is not a message of this chat")
    thread_id = _int(body, "message_thread_id")
    chat = _chat_for(sandbox, chat_id, body, user, chat_type)
    message = sandbox.state.add_message(chat, MessageRecord(
        message_id=0, sender="user", date=int(time.time()), text=text,
        entities=detect_entities(text), source_text=text, message_thread_id=thread_id,
        reply_to_message_id=reply_to, user=user,
    ))
    payload = message_object(sandbox.config, chat, message)
    update_id = sandbox.state.enqueue("message", chat.id, payload)
    return JSONResponse(
        {"message_id": message.message_id, "update_id": update_id, "message": payload}
    )


async def post_callback_query(sandbox: Sandbox, request: Request) -> Response:
    """Press an inline button: send a callback_query update for a bot message."""
    chat_id, body = _chat_id(request), await _body(request)
    chat = sandbox.state.chat(chat_id)
    message_id = _int(body, "message_id")
    message = chat.find(message_id) if chat and message_id is not None else None
    if chat is None or message is None:
        raise JsonApiError(404, "message not found")
    data = _str(body, "data", 64)
    user = _user(chat_id, chat.type, body, chat)
    query = CallbackRecord(id=secrets.token_hex(8), chat_id=chat_id, created=time.time())
    sandbox.state.callbacks[query.id] = query
    payload = {
        "id": query.id, "from": user, "chat_instance": str(chat_id),
        "message": message_object(sandbox.config, chat, message),
    }
    if data is not None:
        payload["data"] = data
    update_id = sandbox.state.enqueue("callback_query", chat_id, payload)
    return JSONResponse({"callback_query_id": query.id, "update_id": update_id})


async def get_messages(sandbox: Sandbox, request: Request) -> Response:
    """Return a chat in order; ``?since=<version>&wait=<s>`` waits for a newer version."""
    chat_id = _chat_id(request)
    try:
        since = int(request.query_params.get("since", "-1"))
        wait = min(max(float(request.query_params.get("wait", "0")), 0.0), MAX_WAIT)
    except ValueError as exc:
        raise JsonApiError(400, "since must be an integer and wait a number") from exc
    if since >= 0 and wait > 0:
        await sandbox.state.notifier.wait_newer(since, wait)
    chat = sandbox.state.chat(chat_id)
    if chat is None:
        raise JsonApiError(404, "chat not found")
    detail = chat_detail(chat, sandbox.state.notifier.version)
    detail["callback_answers"] = [
        {"callback_query_id": q.id, **q.answer}
        for q in sandbox.state.callbacks.values() if q.chat_id == chat_id and q.answer
    ][-5:]
    return JSONResponse(detail)


async def add_fault(sandbox: Sandbox, request: Request) -> Response:
    """Add an injected fault (see FaultBook.add for the fields)."""
    try:
        fault = sandbox.faults.add(await _body(request))
    except FaultSpecError as exc:
        raise JsonApiError(400, str(exc)) from exc
    return JSONResponse(fault.to_json(), status_code=201)


def json_api_routes(sandbox: Sandbox) -> list[Route]:
    """Return the routes under ``/api``."""

    def bind(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            result: Response = await handler(sandbox, request)
            return result

        return endpoint

    def view(make: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            return JSONResponse(make(request))

        return endpoint

    def clear_calls(_: Request) -> dict[str, Any]:
        sandbox.journal.clear_calls()
        return {"ok": True}

    def clear_faults(_: Request) -> dict[str, Any]:
        sandbox.faults.clear()
        return {"ok": True}

    def reset(_: Request) -> dict[str, Any]:
        sandbox.reset()
        return {"ok": True}

    state = sandbox.state
    return [
        Route("/api/chats", view(lambda _: {"chats": [chat_view(c) for c in state.chats.values()]}),
              methods=["GET"]),
        Route("/api/chats/{chat_id}/messages", bind(get_messages), methods=["GET"]),
        Route("/api/chats/{chat_id}/messages", bind(post_message), methods=["POST"]),
        Route("/api/chats/{chat_id}/callback_queries", bind(post_callback_query),
              methods=["POST"]),
        Route("/api/calls", view(lambda r: {"calls": sandbox.journal.calls(
            r.query_params.get("method"))}), methods=["GET"]),
        Route("/api/calls", view(clear_calls), methods=["DELETE"]),
        Route("/api/stats", view(lambda _: sandbox.journal.stats())),
        Route("/api/faults", view(lambda _: {"faults": sandbox.faults.list()}), methods=["GET"]),
        Route("/api/faults", bind(add_fault), methods=["POST"]),
        Route("/api/faults", view(clear_faults), methods=["DELETE"]),
        Route("/api/profile", view(lambda _: sandbox.profile.to_json())),
        Route("/api/webhook", view(lambda _: sandbox.webhook.info(len(state.updates)))),
        Route("/api/reset", view(reset), methods=["POST"]),
    ]
