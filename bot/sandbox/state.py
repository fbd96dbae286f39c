"""Chats, messages, drafts and the update queue, plus a notifier for long polls."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.sandbox.filestore import FileStore
from bot.sandbox.validation import Entity, FormattedText

DRAFT_LIFETIME = 30.0
TYPING_LIFETIME = 5.0
CALLBACK_LIFETIME = 15 * 60.0
DEFAULT_ALLOWED = {"message", "edited_message", "callback_query"}
ChatType = Literal["private", "group", "supergroup"]


class Notifier:
    """A version counter that wakes waiters on change; works on whichever loop is running."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Bump the version and wake every waiter."""
        self.version += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_newer(self, version: int, within: float) -> int:
        """Wait until the version exceeds ``version`` or ``within`` seconds pass; return it."""
        if self.version > version or within <= 0:
            return self.version
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), within)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)
        return self.version


@dataclass
class MessageRecord:
    """A message in a chat, from the user or from the bot."""

    message_id: int
    sender: Literal["user", "bot"]
    date: int
    text: str
    entities: list[Entity]
    parse_mode: str | None = None
    source_text: str | None = None
    edit_count: int = 0
    edit_date: int | None = None
    message_thread_id: int | None = None
    reply_to_message_id: int | None = None
    user: dict[str, Any] | None = None
    reply_markup: Any = None
    photo: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[Entity] | None = None


@dataclass
class DraftRecord:
    """The latest text of one streamed draft (ephemeral, never persisted)."""

    draft_id: int
    text: str
    entities: list[Entity]
    parse_mode: str | None
    updated: float
    message_thread_id: int | None = None


@dataclass
class ChatRecord:
    """A chat with its messages; private chats carry the user's names."""

    id: int
    type: ChatType
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    next_message_id: int = 1
    messages: list[MessageRecord] = field(default_factory=list)
    drafts: dict[int, DraftRecord] = field(default_factory=dict)
    typing_until: float = 0.0
    typing_action: str | None = None

    @property
    def is_group(self) -> bool:
        """Tell whether the group flood limit applies."""
        return self.type != "private"

    def find(self, message_id: int) -> MessageRecord | None:
        """Return the message with this id, if it exists."""
        return next((m for m in self.messages if m.message_id == message_id), None)

    def live_drafts(self, now: float) -> list[DraftRecord]:
        """Return drafts updated within their 30 s lifetime, oldest first."""
        return sorted(
            (d for d in self.drafts.values() if now - d.updated < DRAFT_LIFETIME),
            key=lambda d: d.updated,
        )


@dataclass
class UpdateRecord:
    """A queued update; ``queue_key`` orders webhook delivery (the chat id)."""

    update_id: int
    queue_key: int
    created: float
    payload: dict[str, Any]


@dataclass
class CallbackRecord:
    """A callback query waiting for answerCallbackQuery."""

    id: str
    chat_id: int
    created: float
    answer: dict[str, Any] | None = None


class SandboxState:
    """All mutable sandbox data; every mutation notifies long-pollers."""

    def __init__(self, first_update_id: int) -> None:
        self.chats: dict[int, ChatRecord] = {}
        self.updates: list[UpdateRecord] = []
        self.next_update_id = first_update_id
        self.allowed_updates: set[str] = set(DEFAULT_ALLOWED)
        self.callbacks: dict[str, CallbackRecord] = {}
        self.files = FileStore()
        self.notifier = Notifier()
        self.dirty = False

    def changed(self, persistent: bool = True) -> None:
        """Record a change and wake waiters."""
        self.dirty = self.dirty or persistent
        self.notifier.notify()

    def chat(self, chat_id: int) -> ChatRecord | None:
        """Return a known chat."""
        return self.chats.get(chat_id)

    def chat_by_username(self, username: str) -> ChatRecord | None:
        """Return a chat by its @username (case-insensitive)."""
        name = username.removeprefix("@").lower()
        return next((c for c in self.chats.values() if (c.username or "").lower() == name), None)

    def add_message(self, chat: ChatRecord, message: MessageRecord) -> MessageRecord:
        """Append a message (its id is assigned here); bot messages end the chat's drafts."""
        message.message_id = chat.next_message_id
        chat.next_message_id += 1
        chat.messages.append(message)
        if message.sender == "bot":
            chat.drafts.clear()
            chat.typing_until = 0.0
        self.changed()
        return message

    def edit_message(self, chat: ChatRecord, message: MessageRecord, formatted: FormattedText,
                     parse_mode: str | None, source: str, reply_markup: Any) -> None:
        """Replace a message's text."""
        message.text, message.entities = formatted.text, formatted.entities
        message.parse_mode, message.source_text = parse_mode, source
        message.edit_count += 1
        message.edit_date = int(time.time())
        message.reply_markup = reply_markup
        self.changed()

    def delete_message(self, chat: ChatRecord, message: MessageRecord) -> None:
        """Remove a message."""
        chat.messages.remove(message)
        self.changed()

    def set_draft(self, chat: ChatRecord, draft: DraftRecord) -> None:
        """Keep the latest text of a draft."""
        chat.drafts[draft.draft_id] = draft
        self.changed(persistent=False)

    def set_typing(self, chat: ChatRecord, action: str) -> None:
        """Show a chat action for up to 5 seconds."""
        chat.typing_until = time.time() + TYPING_LIFETIME if action != "cancel" else 0.0
        chat.typing_action = action
        self.changed(persistent=False)

    def enqueue(self, kind: str, queue_key: int, body: dict[str, Any]) -> int | None:
        """Queue an update if its type is allowed; return its update_id."""
        if kind not in self.allowed_updates:
            return None
        update = UpdateRecord(self.next_update_id, queue_key, time.time(), {kind: body})
        update.payload = {"update_id": update.update_id, **update.payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.changed()
        return update.update_id

    def drop_expired(self, ttl: float) -> None:
        """Forget updates older than the retention time (24 h on Telegram)."""
        cutoff = time.time() - ttl
        self.updates = [u for u in self.updates if u.created >= cutoff]

    def confirm(self, offset: int) -> None:
        """Apply a getUpdates offset: drop confirmed updates (negative: keep the last -offset)."""
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset:
            self.updates = [u for u in self.updates if u.update_id >= offset]
        self.dirty = self.dirty or len(self.updates) != before

    def remove_update(self, update: UpdateRecord) -> None:
        """Forget a delivered or dropped update."""
        if update in self.updates:
            self.updates.remove(update)
            self.changed()

    def head_of(self, queue_key: int) -> UpdateRecord | None:
        """Return the oldest pending update of a webhook queue."""
        return next((u for u in self.updates if u.queue_key == queue_key), None)

    def snapshot(self) -> dict[str, Any]:
        """Return chats, messages and pending updates as JSON-able data (drafts are ephemeral)."""
        chats = []
        for chat in self.chats.values():
            data = asdict(chat)
            data.pop("drafts")
            data.pop("typing_until")
            data.pop("typing_action")
            chats.append(data)
        updates = [asdict(update) for update in self.updates]
        return {"version": 1, "next_update_id": self.next_update_id, "chats": chats,
                "updates": updates, "files": self.files.snapshot()}

    def restore(self, data: dict[str, Any]) -> None:
        """Load what ``snapshot`` saved."""
        self.next_update_id = max(self.next_update_id, int(data.get("next_update_id", 0)))
        for raw in data.get("chats", []):
            messages = [MessageRecord(**m) for m in raw.pop("messages", [])]
            chat = ChatRecord(**raw, messages=messages)
            self.chats[chat.id] = chat
        self.updates = [UpdateRecord(**raw) for raw in data.get("updates", [])]
        self.files.restore(data.get("files", {}))

    def reset(self) -> None:
        """Forget every chat, message, draft and update (update ids keep increasing)."""
        self.chats.clear()
        self.updates.clear()
        self.callbacks.clear()
        self.files.clear()
        self.allowed_updates = set(DEFAULT_ALLOWED)
        self.changed()
