"""The JSON API route that makes a user send a photo: multipart upload or base64 in JSON."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.images import ImageInfo, probe
from bot.sandbox.json_api import (
    JsonApiError,
    _body,
    _chat_for,
    _chat_id,
    _chat_type,
    _int,
    _user,
    detect_entities,
)
from bot.sandbox.objects import message_object
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import MessageRecord

MAX_CAPTION_LENGTH = 1024
FORM_SLACK = 64 * 1024
_INT_FIELDS = ("user_id", "message_thread_id", "reply_to_message_id")
_FORM_FIELDS = (
    "caption", "chat_type", "first_name", "username", "language_code", "title", *_INT_FIELDS,
)


def _check_length(request: Request, limit: int) -> None:
    """Refuse early when Content-Length already says the body is too large."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise JsonApiError(413, f"the request is larger than {limit} bytes")


async def _read_upload(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise JsonApiError(413, f"the photo is larger than {limit} bytes")
    return data


def _form_value(key: str, value: str) -> Any:
    if key not in _INT_FIELDS:
        return value
    try:
        return int(value)
    except ValueError as exc:
        raise JsonApiError(400, f"{key} must be an integer") from exc


async def _from_form(request: Request, limit: int) -> tuple[bytes, dict[str, Any]]:
    """Read the ``photo`` file field and the optional text fields of a multipart form."""
    _check_length(request, limit + FORM_SLACK)
    try:
        form = await request.form(max_files=1, max_fields=len(_FORM_FIELDS))
    except Exception as exc:  # python-multipart and Starlette raise several kinds
        raise JsonApiError(400, "the body must be multipart form data") from exc
    upload = form.get("photo")
    if not isinstance(upload, UploadFile):
        raise JsonApiError(400, "photo must be a file field")
    fields = {key: _form_value(key, value) for key, value in form.multi_items()
              if key in _FORM_FIELDS and isinstance(value, str)}
    return await _read_upload(upload, limit), fields


async def _from_json(request: Request, limit: int) -> tuple[bytes, dict[str, Any]]:
    """Read ``photo_base64`` and the other fields of a JSON body."""
    _check_length(request, limit * 4 // 3 + FORM_SLACK)
    body = await _body(request)
    encoded = body.get("photo_base64")
    if not isinstance(encoded, str) or not encoded:
        raise JsonApiError(400, "photo_base64 must be a non-empty base64 string")
    if len(encoded) > (limit + 2) // 3 * 4 + 4:
        raise JsonApiError(413, f"the photo is larger than {limit} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise JsonApiError(400, "photo_base64 is not valid base64") from exc
    if len(data) > limit:
        raise JsonApiError(413, f"the photo is larger than {limit} bytes")
    return data, body


def _caption(fields: dict[str, Any]) -> str | None:
    caption = fields.get("caption")
    if caption is None or caption == "":
        return None
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION_LENGTH:
        raise JsonApiError(400, f"caption must be a string of at most {MAX_CAPTION_LENGTH} "
                                "characters")
    return caption


def _image(data: bytes) -> ImageInfo:
    info = probe(data)
    if info is None:
        raise JsonApiError(400, "photo is not a JPEG, PNG, GIF or WebP image")
    return info


async def post_photo(sandbox: Sandbox, request: Request) -> Response:
    """Make a user send a photo (caption optional); it becomes an update like a text message."""
    chat_id = _chat_id(request)
    limit = sandbox.config.max_photo_bytes
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    data, fields = await (_from_form if multipart else _from_json)(request, limit)
    info, caption = _image(data), _caption(fields)
    existing = sandbox.state.chat(chat_id)
    chat_type = _chat_type(chat_id, fields, existing)
    user = _user(chat_id, chat_type, fields, existing)
    reply_to = _int(fields, "reply_to_message_id")
    if reply_to is not None and (existing is None or existing.find(reply_to) is None):
        raise JsonApiError(400, "reply_to_message_id is not a message of this chat")
    thread_id = _int(fields, "message_thread_id")
    chat = _chat_for(sandbox, chat_id, fields, user, chat_type)
    photo = sandbox.state.files.add_photo(data, info)
    message = sandbox.state.add_message(chat, MessageRecord(
        message_id=0, sender="user", date=int(time.time()), text="", entities=[],
        message_thread_id=thread_id, reply_to_message_id=reply_to, user=user, photo=photo,
        caption=caption, caption_entities=detect_entities(caption) if caption else None,
    ))
    payload = message_object(sandbox.config, chat, message)
    update_id = sandbox.state.enqueue("message", chat.id, payload)
    return JSONResponse(
        {"message_id": message.message_id, "update_id": update_id, "message": payload}
    )


def photo_routes(sandbox: Sandbox) -> list[Route]:
    """Return ``POST /api/chats/{chat_id}/photos``."""

    async def endpoint(request: Request) -> Response:
        return await post_photo(sandbox, request)

    return [Route("/api/chats/{chat_id}/photos", endpoint, methods=["POST"])]
