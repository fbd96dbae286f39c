"""Files users sent (photos), kept in memory and in the state file, served like Telegram's.

Telegram stores several re-encoded sizes of a photo. The sandbox cannot resize, so every
size of one photo serves the original bytes; only the reported width and height differ.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from bot.sandbox.images import ImageInfo

# Telegram's photo sizes bound the longer side: s=90, m=320, x=800, y=1280 (then the original).
PHOTO_SIDE_LIMITS = (90, 320, 800, 1280)


@dataclass
class StoredFile:
    """The bytes of one upload and their format."""

    data: bytes
    mime: str
    extension: str


@dataclass
class FileRecord:
    """One file_id: a size of a photo, pointing at stored bytes by file_path."""

    file_id: str
    file_unique_id: str
    file_path: str
    width: int
    height: int

    def photo_size(self, file_size: int) -> dict[str, Any]:
        """Return the Bot API PhotoSize."""
        return {
            "file_id": self.file_id, "file_unique_id": self.file_unique_id,
            "width": self.width, "height": self.height, "file_size": file_size,
        }


def _scaled(width: int, height: int, limit: int) -> tuple[int, int]:
    """Scale so the longer side is ``limit`` pixels (never below 1)."""
    ratio = limit / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


class FileStore:
    """Photos by file_path, and their sizes by file_id."""

    def __init__(self) -> None:
        self.blobs: dict[str, StoredFile] = {}
        self.records: dict[str, FileRecord] = {}
        self.next_number = 1

    def add_photo(self, data: bytes, info: ImageInfo) -> list[dict[str, Any]]:
        """Store a photo; return its PhotoSize list, smallest first, as Telegram sends it."""
        path = f"photos/file_{self.next_number}.{info.extension}"
        self.next_number += 1
        self.blobs[path] = StoredFile(data, info.mime, info.extension)
        digest = hashlib.sha256(data).hexdigest()[:16]
        longest = max(info.width, info.height)
        sizes = [_scaled(info.width, info.height, limit)
                 for limit in PHOTO_SIDE_LIMITS if limit < longest]
        sizes.append((info.width, info.height))
        photo = []
        for index, (width, height) in enumerate(sizes):
            record = FileRecord(
                file_id=f"AgACAgIAAxkBAAI{secrets.token_urlsafe(24)}",
                file_unique_id=f"AQAD{digest}{index}", file_path=path,
                width=width, height=height,
            )
            self.records[record.file_id] = record
            photo.append(record.photo_size(len(data)))
        return photo

    def record(self, file_id: str) -> FileRecord | None:
        """Return the size with this file_id, if known."""
        return self.records.get(file_id)

    def blob(self, file_path: str) -> StoredFile | None:
        """Return the bytes stored at a file_path, if any."""
        return self.blobs.get(file_path)

    def clear(self) -> None:
        """Forget every file (numbering continues)."""
        self.blobs.clear()
        self.records.clear()

    def snapshot(self) -> dict[str, Any]:
        """Return the files as JSON-able data, bytes in base64."""
        return {
            "next_number": self.next_number,
            "blobs": {path: {"data": base64.b64encode(blob.data).decode("ascii"),
                             "mime": blob.mime, "extension": blob.extension}
                      for path, blob in self.blobs.items()},
            "records": [vars(record) for record in self.records.values()],
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Load what ``snapshot`` saved."""
        self.next_number = max(self.next_number, int(data.get("next_number", 1)))
        for path, raw in data.get("blobs", {}).items():
            self.blobs[path] = StoredFile(
                base64.b64decode(raw["data"]), str(raw["mime"]), str(raw["extension"])
            )
        for raw in data.get("records", []):
            record = FileRecord(**raw)
            self.records[record.file_id] = record
