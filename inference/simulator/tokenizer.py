"""A deterministic tokenizer stand-in and the Llama 4 chat template rendered to token ids.

Pieces are a word with its leading whitespace, one punctuation mark, or a whitespace run, which
lands near real BPE counts for chat text. Ids are a stable hash of the piece, so equal text
always gives equal ids, which is all the prefix cache needs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

BEGIN_OF_TEXT = 200000
HEADER_START = 200005
HEADER_END = 200006
EOT = 200008
BASE_VOCAB = 200000

_PIECE_RE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


def split(text: str) -> list[str]:
    """Split text into pieces whose concatenation is the text."""
    return _PIECE_RE.findall(text)


@lru_cache(maxsize=65536)
def piece_id(piece: str) -> int:
    """A stable id below the special-token range."""
    return zlib.crc32(piece.encode("utf-8")) % BASE_VOCAB


def encode(text: str) -> list[int]:
    """Token ids of a text."""
    return [piece_id(piece) for piece in split(text)]


def count(text: str) -> int:
    """Number of tokens in a text."""
    return len(split(text))


def render_chat(
    messages: Sequence[dict[str, Any]], images: Mapping[str, list[int]] | None = None
) -> list[int]:
    """Token ids of the Llama 4 prompt for these messages, ending with the assistant header.

    Mirrors the HF template: the system message is trimmed, user and assistant text is not.
    `images` maps an image part's URL to its token ids; parts not in it are left out.
    """
    ids = [BEGIN_OF_TEXT]
    for message in messages:
        role = str(message.get("role", "user"))
        content = message.get("content")
        if role == "system" or not isinstance(content, list):
            text = content_text(content)
            body = encode(text.strip() if role == "system" else text)
        else:
            body = _render_parts(content, images or {})
        ids += _header(role) + body + [EOT]
    return ids + _header("assistant")


def _render_parts(parts: list[Any], images: Mapping[str, list[int]]) -> list[int]:
    """Text parts (adjacent ones joined) and image tokens, in the order they come."""
    ids: list[int] = []
    text: list[str] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            text.append(str(part.get("text", "")))
            continue
        image_url = part.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else None
        if part.get("type") == "image_url" and isinstance(url, str) and url in images:
            ids += encode("".join(text)) + images[url]
            text = []
    return ids + encode("".join(text))


def content_text(content: Any) -> str:
    """The text of a message content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, Iterable):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _header(role: str) -> list[int]:
    return [HEADER_START, *encode(role), HEADER_END, *encode("\n\n")]
