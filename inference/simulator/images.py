"""Image content parts: decode data URLs, size images, price them in tokens, shorten for logs.

Token cost (a documented approximation of Llama 4's processor): the image is cut into
336x336 tiles, at most 16 (`ceil(w/336) * ceil(h/336)`, capped); each tile costs 144 tokens
(24x24 patches of 14 px after a 2x2 pixel shuffle), a multi-tile image adds a 144-token global
thumbnail, and <|image_start|>/<|image_end|> add 2. A 640x480 photo is 4 tiles: 722 tokens.
Like SGLang's pad values, every image token id is derived from a hash of the image bytes, so
the same image yields the same ids and reuses the prefix cache.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

IMAGE_START = 200080
IMAGE_END = 200081
TILE_PIXELS = 336
TOKENS_PER_TILE = 144
MAX_TILES = 16
PAD_ID_BASE = 1 << 30
SUMMARY_PREFIX = 40
SUMMARY_MIN_LENGTH = 100

_DATA_URL = re.compile(r"^data:(?P<mime>image/[\w.+-]+)?(?P<params>(;[^,;]*)*?);base64,",
                       re.IGNORECASE)
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class ImageError(ValueError):
    """An image part the server cannot use; the message is the 400 answer's."""


@dataclass(frozen=True)
class Image:
    """A decoded image: its format, size, byte count and content hash."""

    format: str
    width: int
    height: int
    size_bytes: int
    digest: bytes

    @property
    def tiles(self) -> int:
        """Number of 336-pixel tiles, capped at 16."""
        across = math.ceil(self.width / TILE_PIXELS)
        down = math.ceil(self.height / TILE_PIXELS)
        return min(MAX_TILES, across * down)

    def token_ids(self) -> list[int]:
        """The prompt tokens of this image; the ids depend only on the bytes."""
        count = TOKENS_PER_TILE * (self.tiles + (1 if self.tiles > 1 else 0))
        pad = PAD_ID_BASE + int.from_bytes(self.digest[:4], "big") % PAD_ID_BASE
        return [IMAGE_START, *([pad] * count), IMAGE_END]

    def describe(self) -> str:
        """A short marker for echo answers, e.g. ``[image 640x480]``."""
        return f"[image {self.width}x{self.height}]"


def image_parts(messages: list[Any]) -> Iterator[dict[str, Any]]:
    """Yield every content part of type image_url in these messages."""
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            yield from (p for p in content
                        if isinstance(p, dict) and p.get("type") == "image_url")


def part_url(part: dict[str, Any]) -> str:
    """The URL of an image_url part, as OpenAI's ``{"image_url": {"url": ...}}`` has it."""
    image_url = part.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url:
        raise ImageError("image_url parts need an object with a non-empty `url`.")
    return url


def decode_data_url(url: str) -> Image:
    """Decode a ``data:image/...;base64,...`` URL; raise ImageError when it is not an image."""
    match = _DATA_URL.match(url)
    if match is None:
        if not url.startswith("data:"):
            raise ImageError("Only data:image/...;base64 URLs are supported by the simulator.")
        raise ImageError("Invalid image data URL: expected data:image/<type>;base64,<data>.")
    try:
        data = base64.b64decode(url[match.end():], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageError("Invalid image data URL: the base64 payload does not decode.") from exc
    size = _image_size(data)
    if size is None:
        raise ImageError("Invalid image data URL: cannot identify the image file.")
    kind, width, height = size
    return Image(kind, width, height, len(data), hashlib.sha256(data).digest())


def decode_all(messages: list[Any]) -> dict[str, Image]:
    """Every image of the request by URL (decoded once per distinct URL)."""
    images: dict[str, Image] = {}
    for part in image_parts(messages):
        url = part_url(part)
        if url not in images:
            images[url] = decode_data_url(url)
    return images


def summarize(value: Any) -> Any:
    """A copy with long data URLs replaced by their first 40 characters and length."""
    if isinstance(value, dict):
        return {key: summarize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [summarize(item) for item in value]
    if isinstance(value, str) and value.startswith("data:") and len(value) > SUMMARY_MIN_LENGTH:
        return f"{value[:SUMMARY_PREFIX]}... ({len(value)} chars)"
    return value


def _image_size(data: bytes) -> tuple[str, int, int] | None:
    """Format and pixel size from the header of a PNG, GIF, WebP or JPEG file."""
    size: tuple[str, int, int] | None = None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        size = ("png", *struct.unpack(">II", data[16:24]))
    elif data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        size = ("gif", *struct.unpack("<HH", data[6:10]))
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        size = _webp_size(data)
    elif data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
    return size if size is not None and size[1] > 0 and size[2] > 0 else None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    """Walk the JPEG markers to the first start-of-frame, which holds the size."""
    pos = 2
    while pos + 9 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return ("jpeg", width, height)
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return None


def _webp_size(data: bytes) -> tuple[str, int, int] | None:
    """The canvas size of an extended (VP8X), lossy (VP8) or lossless (VP8L) WebP."""
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        return ("webp", width, 1 + int.from_bytes(data[27:30], "little"))
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return ("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return ("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None
