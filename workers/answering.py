"""Answering a chat message: build a cache-friendly prompt, stream the model, show it live."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from bot.delivery.sender import ChatMovedError, UserBlockedError
from bot.delivery.stream import StreamPresenter, keep_typing
from bot.i18n import language_name
from bot.i18n import texts as T
from bot.photos import PHOTO_MARKER, photo_data_url, with_image
from core.chat_signals import consume_stop
from core.logging import get_logger
from core.storage import queries
from core.storage.models import Message
from inference.prompt import PromptPlan, build_messages
from inference.types import ChatMessage, ContextOverflowError, Finish, Usage
from workers.jobs import Job
from workers.runtime import Runtime

log = get_logger(__name__)

STOP_CHECK_SECONDS = 0.3
STOPPED = "stopped"


class SupersededError(Exception):
    """Another worker claimed the message meanwhile (this one lost the chat lock): the final
    answer is left to it, so the chat never gets two."""


@dataclass(frozen=True)
class Answer:
    """A streamed and delivered answer with its measurements."""

    text: str
    message_ids: list[int]
    finish_reason: str | None
    usage: Usage | None
    ttft_ms: int | None
    latency_ms: int
    language: str | None


def language_hint(code: str) -> str:
    """The instruction appended to a user turn; the same text every time for a language."""
    return f"(Reply in {language_name(code, 'en')}.)"


class ImagesUnsupportedError(Exception):
    """The message carries a photo and the served model cannot read images."""


def reply_tokens(rt: Runtime, context_length: int) -> int:
    """`max_tokens` of a reply: the configured cap, but never more than half the context."""
    return max(16, min(rt.settings.max_reply_tokens, context_length // 2))


def answer_chat(rt: Runtime, job: Job, *, up_to_id: int) -> Answer:
    """Answer the conversation up to `up_to_id`; on a context overflow, cut once and retry."""
    context_length = rt.context_length()
    plan = plan_prompt(rt, job, up_to_id, context_length)
    image = _newest_image(rt, job, up_to_id)
    max_tokens = reply_tokens(rt, context_length)
    try:
        return rt.run(stream_answer(rt, job, _attach(rt, plan.messages, image), max_tokens))
    except ContextOverflowError as exc:
        # Our token estimate was too optimistic: cut in one large step, try once more.
        log.info("context_overflow", message_id=job.message_id, detail=str(exc)[:200])
        plan = plan_prompt(rt, job, up_to_id, context_length // 2)
        return rt.run(stream_answer(rt, job, _attach(rt, plan.messages, image), max_tokens))


def _newest_image(rt: Runtime, job: Job, up_to_id: int) -> str | None:
    """The photo file id of the message being answered, checked against the model."""
    with rt.db.session() as session:
        message = session.get(Message, up_to_id)
        file_id = message.image_file_id if message else None
    if file_id is not None and not _vision(rt):
        raise ImagesUnsupportedError(f"message {job.message_id} has a photo")
    return file_id


def _vision(rt: Runtime) -> bool:
    configured = rt.settings.inference_vision
    return configured if configured is not None else rt.run(rt.inference.supports_images())


def _attach(rt: Runtime, messages: list[ChatMessage], file_id: str | None) -> list[ChatMessage]:
    """Put the photo into the newest user turn (older photos stay a text marker)."""
    if file_id is None:
        return messages

    async def fetch() -> str:
        await rt.bot_ready()
        return await photo_data_url(rt.sender.bot, file_id)

    return [*messages[:-1], with_image(messages[-1], rt.run(fetch()))]


def plan_prompt(rt: Runtime, job: Job, up_to_id: int, context_length: int) -> PromptPlan:
    """Build the prompt from the conversation's current cut point; tell the user once each
    time the cut moves (in one large step, so the prompt prefix stays cacheable)."""
    with rt.db.session() as session:
        turns = queries.history(session, job.conversation_id, up_to_id)
        already_dropped = queries.conversation_dropped_turns(session, job.conversation_id)
    # The cut never moves back: a turn once dropped stays out of every later prompt.
    already_dropped = min(already_dropped, _last_user_index(turns))
    plan = build_messages(
        job.persona_prompt or rt.settings.system_prompt,
        _prompt_texts(job, turns[already_dropped:]),
        context_length=context_length,
        max_tokens=reply_tokens(rt, context_length),
    )
    if plan.dropped_turns:
        total = already_dropped + plan.dropped_turns
        with rt.db.session() as session:
            moved = queries.note_dropped_turns(session, job.conversation_id, total)
        if moved:
            rt.run(_notify(rt, job, job.ui.text(T.NOTICE_CONTEXT_SHORTENED)))
    return plan


def _last_user_index(turns: list[queries.Turn]) -> int:
    """Index of the newest user turn (the cut may not pass it)."""
    return max((i for i, turn in enumerate(turns) if turn.role == "user"), default=0)


def _prompt_texts(job: Job, turns: list[queries.Turn]) -> list[tuple[str, str]]:
    """Each turn as the model sees it: older photos as a marker, the language hint appended."""
    texts: list[tuple[str, str]] = []
    for index, turn in enumerate(turns):
        newest = index == len(turns) - 1
        language = job.reply_language if newest else turn.language
        text = turn.text
        if turn.image_file_id and not newest:
            text = f"{PHOTO_MARKER} {text}".strip()
        if turn.role == "user" and language:
            text = f"{text}\n\n{language_hint(language)}"
        texts.append((turn.role, text))
    return texts


async def _notify(rt: Runtime, job: Job, text: str) -> None:
    await rt.bot_ready()
    presenter = StreamPresenter(rt.sender, job.chat_id, job.chat_type, job.thread_id, 0)
    await presenter.finish(text, markdown=False)


async def stream_answer(
    rt: Runtime, job: Job, messages: list[ChatMessage], max_tokens: int
) -> Answer:
    """Stream the model's answer into the chat and return it with its timings."""
    await rt.bot_ready()
    presenter = StreamPresenter(
        rt.sender,
        job.chat_id,
        job.chat_type,
        job.thread_id,
        draft_id=job.message_id,
        draft_interval=rt.settings.stream_draft_interval_seconds,
        edit_interval=rt.settings.stream_edit_interval_seconds,
    )
    typing = asyncio.create_task(keep_typing(rt.sender, job.chat_id, job.thread_id))
    frames = LatestFrame(presenter)
    started = time.monotonic()
    first_token: float | None = None
    pieces: list[str] = []
    finish: Finish | None = None
    stopped = False
    next_stop_check = started
    stream = rt.inference.stream_chat(
        messages,
        max_tokens=max_tokens,
        request_id=f"parley-{job.message_id}-{job.attempts}",
        temperature=rt.settings.temperature,
    )
    try:
        async with contextlib.aclosing(stream):
            async for item in stream:
                if isinstance(item, Finish):
                    finish = item
                    continue
                if first_token is None:
                    first_token = time.monotonic()
                    typing.cancel()
                pieces.append(item.text)
                frames.offer("".join(pieces))
                if time.monotonic() >= next_stop_check:
                    next_stop_check = time.monotonic() + STOP_CHECK_SECONDS
                    if await consume_stop(rt.aredis, job.chat_id):
                        stopped = True
                        break  # closing the stream makes the server drop the request
    finally:
        typing.cancel()
        await frames.close()
    text = "".join(pieces)
    if not await asyncio.to_thread(_still_mine, rt, job):
        raise SupersededError(f"message {job.message_id} was claimed again")
    ids = await presenter.finish(text) if text.strip() or not stopped else []
    return Answer(
        text=text,
        message_ids=ids,
        finish_reason=STOPPED if stopped else (finish.finish_reason if finish else None),
        usage=finish.usage if finish else None,
        ttft_ms=_ms(first_token - started) if first_token else None,
        latency_ms=_ms(time.monotonic() - started),
        language=job.reply_language,
    )


class LatestFrame:
    """Shows preview frames without ever holding up the model's stream.

    At most one frame is being sent; text that arrives meanwhile replaces the waiting frame
    (latest wins), so a slow Bot API call skips frames instead of queueing them. A lost frame
    does not matter, but a blocked bot or a migrated chat does: those stop the previews and are
    raised by `close`, before the final message could go to the wrong place.
    """

    FATAL = (UserBlockedError, ChatMovedError)

    def __init__(self, presenter: StreamPresenter) -> None:
        self._presenter = presenter
        self._waiting: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._fatal: BaseException | None = None

    def offer(self, text: str) -> None:
        """Make `text` the next frame to show."""
        self._waiting = text
        if self._fatal is None and (self._task is None or self._collect()):
            self._task = asyncio.create_task(self._drain())

    def _collect(self) -> bool:
        """True when the last sending task is over; keeps a fatal error it ended with."""
        assert self._task is not None
        if not self._task.done():
            return False
        error = None if self._task.cancelled() else self._task.exception()
        if isinstance(error, self.FATAL):
            self._fatal = error
        elif error is not None:
            log.warning("preview_failed", error=type(error).__name__)
        return self._fatal is None

    async def _drain(self) -> None:
        while self._waiting is not None:
            text, self._waiting = self._waiting, None
            await self._presenter.update(text)

    async def close(self) -> None:
        """Wait for the frame being sent, then raise a fatal error if there was one."""
        self._waiting = None
        if self._task is not None:
            await asyncio.wait([self._task])
            self._collect()
        if self._fatal is not None:
            raise self._fatal


def _still_mine(rt: Runtime, job: Job) -> bool:
    with rt.db.session() as session:
        return queries.still_claimed(session, job.message_id, job.attempts)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
