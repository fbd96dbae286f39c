"""POST /generate: SGLang's native API (no chat template; cumulative text when streaming)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inference.simulator import tokenizer, wire
from inference.simulator.chat import fault_message, read_json, record_request, seeded_rng
from inference.simulator.engine import DuplicateRidError, Engine, Generation
from inference.simulator.limits import admission_error, context_error
from inference.simulator.responses import EventStreamResponse
from inference.simulator.scheduler import QueueFullError
from inference.simulator.text import make_answer

DEFAULT_MAX_NEW_TOKENS = 128


def native_error(message: str, status: int = 400) -> JSONResponse:
    """The native API's error body: {"error": {"message": ...}}."""
    return JSONResponse({"error": {"message": message}}, status_code=status)


async def generate(request: Request) -> Response:
    """Serve one prompt given as `text` or `input_ids`."""
    engine: Engine = request.app.state.engine
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    prompt_ids = _prompt_ids(body)
    if prompt_ids is None:
        return native_error("Provide a single `text` or `input_ids` (batches are not simulated).")
    rid = str(body.get("rid") or uuid.uuid4().hex)
    record_request(engine, request, body, rid)
    params = body.get("sampling_params") or {}
    max_new = params.get("max_new_tokens")
    max_new = max_new if isinstance(max_new, int) else DEFAULT_MAX_NEW_TOKENS
    error = context_error(len(prompt_ids), max_new, engine.config) or admission_error(
        len(prompt_ids), engine.config
    )
    if error:
        return native_error(error)
    fault = engine.take_fault()
    if fault is not None and fault.mode == "http":
        return native_error(fault_message(fault), fault.status)
    text = body.get("text")
    text = text if isinstance(text, str) else ""
    answer = make_answer(engine.config, text, max_new, seeded_rng(engine.config, prompt_ids))
    gen = Generation(rid, prompt_ids, answer, bool(body.get("stream")), fault)
    try:
        engine.register(gen)
    except DuplicateRidError as exc:
        return native_error(str(exc))
    if gen.streaming:
        return EventStreamResponse(_stream(engine, gen), on_close=lambda: engine.unregister(gen))
    return await _complete(engine, gen)


async def _stream(engine: Engine, gen: Generation) -> AsyncIterator[bytes]:
    try:
        async for _ in engine.run(gen):
            yield wire.sse(_result(gen, finished=False))
    except QueueFullError as exc:
        yield _inband(str(exc), 503)
        yield wire.DONE
        return
    if gen.fault is not None and gen.fault_hit and gen.fault.mode != "stall":
        if gen.fault.mode == "inband":
            yield _inband(fault_message(gen.fault), gen.fault.status)
            yield wire.DONE
        return
    yield wire.sse(_result(gen, finished=True))
    yield wire.DONE


async def _complete(engine: Engine, gen: Generation) -> Response:
    try:
        async for _ in engine.run(gen):
            pass
    except QueueFullError as exc:
        return native_error(str(exc), 503)
    finally:
        engine.unregister(gen)
    if gen.fault is not None and gen.fault_hit and gen.fault.mode != "stall":
        return native_error(fault_message(gen.fault), gen.fault.status)
    return JSONResponse(_result(gen, finished=True))


def _result(gen: Generation, *, finished: bool) -> dict[str, Any]:
    """The cumulative text and ids so far, with meta_info (finish_reason only at the end)."""
    return {
        "text": "".join(gen.output),
        "output_ids": [tokenizer.piece_id(piece) for piece in gen.output],
        "meta_info": {
            "id": gen.rid,
            "finish_reason": _finish_reason(gen) if finished else None,
            "prompt_tokens": len(gen.prompt_ids),
            "weight_version": "default",
            "num_retractions": 0,
            "reasoning_tokens": 0,
            "completion_tokens": len(gen.output),
            "cached_tokens": gen.cached_tokens,
            "e2e_latency": time.monotonic() - gen.arrived,
        },
    }


def _finish_reason(gen: Generation) -> dict[str, Any]:
    if gen.finish_reason == "stop":
        return {"type": "stop", "matched": tokenizer.EOT}
    if gen.finish_reason == "length":
        return {"type": "length", "length": len(gen.output)}
    return {"type": "abort", "message": "Abort request", "status_code": None, "err_type": None}


def _inband(message: str, status: int) -> bytes:
    error = {"message": message, "type": "invalid_request_error", "code": status}
    return f"data: {json.dumps({'error': {**error, 'retryable': status != 400}})}\n\n".encode()


def _prompt_ids(body: dict[str, Any]) -> list[int] | None:
    text, input_ids = body.get("text"), body.get("input_ids")
    if isinstance(text, str):
        return tokenizer.encode(text)
    if isinstance(input_ids, list) and all(isinstance(i, int) for i in input_ids) and input_ids:
        return list(input_ids)
    return None
