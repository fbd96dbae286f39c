"""Showing an answer while it streams: drafts in private chats, throttled edits in groups."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.format import Part, final_parts, preview_parts, text_parts
from bot.delivery.sender import TelegramSender

PRIVATE = "private"


@dataclass
class StreamPresenter:
    """Turns a growing answer into Telegram calls within the flood limits.

    Frames that come faster than the interval are skipped, never queued; the final text is
    always sent.
    """

    sender: TelegramSender
    chat_id: int
    chat_type: str
    thread_id: int
    draft_id: int
    draft_interval: float = 0.3
    edit_interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    preview_message_id: int | None = None
    first_visible_at: float | None = None
    _last_frame_at: float = field(default=float("-inf"))
    _last_text: str = ""

    @property
    def uses_drafts(self) -> bool:
        """Private chats stream through sendMessageDraft; groups through edits."""
        return self.chat_type == PRIVATE and not self.thread_id

    async def update(self, answer_so_far: str) -> None:
        """Show the answer so far if enough time has passed since the last frame."""
        now = self.clock()
        interval = self.draft_interval if self.uses_drafts else self.edit_interval
        if now - self._last_frame_at < interval:
            return
        parts = preview_parts(answer_so_far)
        if not parts:
            return
        # A draft shows the part being written; a group preview is the first message.
        part = parts[-1] if self.uses_drafts else parts[0]
        if part.html == self._last_text:
            return
        self._last_frame_at = now  # a skipped frame is not retried before the next interval
        shown = await self._show(part)
        if shown:
            self._last_text = part.html
        if shown and self.first_visible_at is None:
            self.first_visible_at = self.clock()

    async def _show(self, part: Part) -> bool:
        """Send one preview frame; False when it was skipped (limits, or Telegram refused)."""
        if self.uses_drafts:
            return await self.sender.send_draft(self.chat_id, self.draft_id, part.html, html=True)
        if self.preview_message_id is None:
            self.preview_message_id = await self.sender.send_preview(
                self.chat_id, part.html, thread_id=self.thread_id
            )
            return self.preview_message_id is not None
        return await self.sender.edit_text(
            self.chat_id,
            self.preview_message_id,
            part.html,
            html=True,
            plain=part.plain,
            skippable=True,
        )

    async def finish(
        self,
        answer: str,
        *,
        markdown: bool = True,
        buttons: list[list[tuple[str, str]]] | None = None,
    ) -> list[int]:
        """Send the final answer (split as needed) and return the message ids.

        `markdown=False` sends the text as it is (the bot's own messages); buttons go on the
        last part.
        """
        parts = final_parts(answer) if markdown else text_parts(answer)
        ids: list[int] = []
        first = parts[0]
        if self.preview_message_id is not None:
            await self.sender.edit_text(
                self.chat_id, self.preview_message_id, first.html, html=True, plain=first.plain
            )
            ids.append(self.preview_message_id)
            parts = parts[1:]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            ids.append(
                await self.sender.send_text(
                    self.chat_id,
                    part.html,
                    thread_id=self.thread_id,
                    html=True,
                    plain=part.plain,
                    buttons=buttons if last else None,
                )
            )
        if self.first_visible_at is None:
            self.first_visible_at = self.clock()
        return ids


async def keep_typing(
    sender: TelegramSender, chat_id: int, thread_id: int, every: float = 4.0
) -> None:
    """Refresh the typing indicator until cancelled (Telegram shows it for about 5 s)."""
    while True:
        await sender.typing(chat_id, thread_id)
        await asyncio.sleep(every)
