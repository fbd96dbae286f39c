"""POST /v1/chat/completions: SGLang's OpenAI chat endpoint, streaming and not."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inference.simulator import images, tokenizer, wire
from inference.simulator.config import FaultSpec, SimulatorConfig
from inference.simulator.engine import DuplicateRidError, Engine, Generation
from inference.simulator.limits import admission_error, context_error, default_max_tokens
from inference.simulator.responses import EventStreamResponse, error_json
from inference.simulator.scheduler import QueueFullError
from inference.simulator.text import make_answer

FAULT_MESSAGES = {
    400: "Injected bad request.",
    408: "Request timed out in the queue.",
    429: "Too many requests.",
    500: "Internal server error.",
    503: "The request queue is full.",
}
QUEUE_FULL_TYPE = "SERVICE_UNAVAILABLE"
NO_VISION = (
    "The model does not support image input: vision is off in this simulator "
    "(has_image_understanding is false in /model_info)."
)


async def read_json(request: Request) -> dict[str, Any] | Response:
    """The JSON object body, or SGLang's 400 for a wrong Content-Type or malformed body."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        return error_json("Content-Type must be application/json", 400, "Bad Request")
    try:
        body = await request.json()
    except ValueError as exc:
        return error_json(f"Invalid JSON body: {exc}", 400, "Bad Request")
    if not isinstance(body, dict):
        return error_json("The request body must be a JSON object", 400, "Bad Request")
    return body


def fault_message(fault: FaultSpec) -> str:
    """The message of an injected failure."""
    return fault.message or FAULT_MESSAGES.get(fault.status, f"Injected error {fault.status}.")


def fault_response(fault: FaultSpec) -> Response:
    """An injected HTTP failure, with SGLang's body and an optional Retry-After."""
    response = error_json(fault_message(fault), fault.status)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


def record_request(engine: Engine, request: Request, body: dict[str, Any], rid: str) -> None:
    """Remember what arrived, for tests (never the API key itself)."""
    engine.stats.requests += 1
    engine.stats.recent.append(
        {
            "path": request.url.path,
            "rid": rid,
            "x_request_id": request.headers.get("x-request-id"),
            "authorized": "authorization" in request.headers,
            "body": images.summarize(body),
        }
    )


def seeded_rng(config: SimulatorConfig, prompt_ids: list[int]) -> random.Random:
    """Deterministic randomness per prompt, so equal requests get equal answers."""
    return random.Random(hash((config.seed, tuple(prompt_ids))))


async def chat_completions(request: Request) -> Response:
    """Validate, check limits and faults, then stream or return the completion."""
    engine: Engine = request.app.state.engine
    config = engine.config
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error_json("messages must be a non-empty list", 400, "Bad Request")
    rid = str(body.get("rid") or uuid.uuid4().hex)
    record_request(engine, request, body, rid)
    stream = bool(body.get("stream"))
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    try:
        prompt_ids, seen = render_prompt(messages, config)
    except images.ImageError as exc:
        return error_json(str(exc), 400)
    overflow = context_error(len(prompt_ids), max_tokens, config)
    if overflow and not (stream and config.legacy_inband_context_error):
        return error_json(overflow, 400)
    fault = engine.take_fault()
    if fault is not None and fault.mode == "http":
        return fault_response(fault)
    limit = max_tokens if isinstance(max_tokens, int) else None
    limit = limit if limit is not None else default_max_tokens(len(prompt_ids), config)
    user_text = _last_user_text(messages, seen)
    answer = make_answer(config, user_text, limit, seeded_rng(config, prompt_ids))
    gen = Generation(rid, prompt_ids, answer, stream, fault)
    try:
        engine.register(gen)
    except DuplicateRidError as exc:
        return error_json(str(exc), 400)
    reply = _Reply(engine, gen, str(body.get("model") or "default"))
    if not stream:
        return await reply.complete()
    options = body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage")) or config.stream_include_usage_default
    events = reply.stream(include_usage, overflow)
    return EventStreamResponse(events, on_close=lambda: engine.unregister(gen))


class _Reply:
    """Renders one generation as SSE chunks or as a chat.completion body."""

    def __init__(self, engine: Engine, gen: Generation, model: str) -> None:
        self.engine = engine
        self.gen = gen
        self.model = model
        self.created = int(time.time())

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        stop = self.gen.matched_stop if finish else None
        return wire.chunk(self.gen.rid, self.created, self.model, delta, finish, stop)

    def _usage(self) -> dict[str, Any]:
        gen = self.gen
        cached = gen.cached_tokens if self.engine.config.enable_cache_report else None
        return wire.usage(len(gen.prompt_ids), len(gen.output), cached)

    async def stream(self, include_usage: bool, overflow: str | None) -> AsyncIterator[bytes]:
        """Role chunk, content chunks, finish chunk, usage chunk if asked, [DONE]."""
        gen = self.gen
        early_error = overflow or admission_error(len(gen.prompt_ids), self.engine.config)
        if early_error:
            yield wire.inband_error(early_error, 400)
            yield wire.DONE
            return
        role_sent = False
        try:
            async for piece in self.engine.run(gen):
                if not role_sent:
                    role_sent = True
                    yield self._chunk({"role": "assistant", "content": ""})
                yield self._chunk({"content": piece})
        except QueueFullError as exc:
            yield wire.inband_error(str(exc), 503, QUEUE_FULL_TYPE)
            yield wire.DONE
            return
        if gen.fault is not None and gen.fault_hit and gen.fault.mode != "stall":
            if gen.fault.mode == "inband":
                yield wire.inband_error(fault_message(gen.fault), gen.fault.status)
                yield wire.DONE
            return
        if not role_sent:
            yield self._chunk({"role": "assistant", "content": ""})
        yield self._chunk({}, gen.finish_reason)
        if include_usage:
            yield wire.usage_chunk(gen.rid, self.created, self.model, self._usage())
        yield wire.DONE

    async def complete(self) -> Response:
        """The whole answer in one chat.completion body."""
        gen, engine = self.gen, self.engine
        error = admission_error(len(gen.prompt_ids), engine.config)
        if error:
            engine.unregister(gen)
            return error_json(error, 400)
        try:
            async for _ in engine.run(gen):
                pass
        except QueueFullError as exc:
            return error_json(str(exc), 503, QUEUE_FULL_TYPE)
        finally:
            engine.unregister(gen)
        if gen.fault is not None and gen.fault_hit and gen.fault.mode != "stall":
            return error_json(fault_message(gen.fault), gen.fault.status)
        body = wire.completion(
            gen.rid,
            self.created,
            self.model,
            "".join(gen.output),
            gen.finish_reason or "abort",
            gen.matched_stop,
            self._usage(),
        )
        return JSONResponse(body)


def render_prompt(
    messages: list[Any], config: SimulatorConfig
) -> tuple[list[int], dict[str, images.Image]]:
    """Prompt token ids with image tokens, and the decoded images by URL.

    Raises ImageError for an undecodable image, or for any image when vision is off.
    """
    if not config.vision and any(True for _ in images.image_parts(messages)):
        raise images.ImageError(NO_VISION)
    seen = images.decode_all(messages)
    ids = {url: image.token_ids() for url, image in seen.items()}
    return tokenizer.render_chat(messages, ids), seen


def _last_user_text(messages: list[Any], seen: dict[str, images.Image]) -> str:
    """The last user message's text, followed by a marker per image it carries."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = tokenizer.content_text(message.get("content"))
            markers = [seen[images.part_url(part)].describe()
                       for part in images.image_parts([message])]
            return " ".join([text, *markers]) if text else " ".join(markers)
    return ""
