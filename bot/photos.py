"""Photos from Telegram as the model reads them: an OpenAI image content part (a data URL)."""

from __future__ import annotations

import base64
import mimetypes

from telegram import Bot
from telegram.error import TelegramError

from inference.types import ChatMessage

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_MARKER = "[photo]"


class PhotoUnavailableError(Exception):
    """The photo could not be fetched from Telegram (expired, too big, or an API error)."""


async def photo_data_url(bot: Bot, file_id: str) -> str:
    """Download a photo by file id and return it as a base64 data URL."""
    try:
        telegram_file = await bot.get_file(file_id)
        if (telegram_file.file_size or 0) > MAX_PHOTO_BYTES:
            raise PhotoUnavailableError("photo larger than 10 MB")
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        raise PhotoUnavailableError(str(exc)) from exc
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoUnavailableError("photo larger than 10 MB")
    mime = mimetypes.guess_type(telegram_file.file_path or "photo.jpg")[0] or "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def with_image(message: ChatMessage, data_url: str) -> ChatMessage:
    """The same user message with the photo attached as an image content part."""
    return {
        "role": message["role"],
        "content": [
            {"type": "text", "text": str(message["content"])},
            {"type": "image_url", "image_url": {"url": data_url}},
        ],
    }
