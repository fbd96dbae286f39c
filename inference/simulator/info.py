"""SGLang's operational endpoints: health, model and server info, load, metrics, abort, cache."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inference.simulator import images, tokenizer
from inference.simulator.chat import read_json, render_prompt
from inference.simulator.engine import Engine
from inference.simulator.responses import error_json


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def health(request: Request) -> Response:
    """503 during the start-up window, then 200 with an empty body."""
    return Response(status_code=200 if _engine(request).ready else 503)


async def model_info(request: Request) -> Response:
    """/model_info (and the deprecated /get_model_info)."""
    config = _engine(request).config
    return JSONResponse(
        {
            "model_path": config.model_path,
            "served_model_name": config.served_model_name,
            "tokenizer_path": config.model_path,
            "is_generation": True,
            "preferred_sampling_params": None,
            "weight_version": "default",
            "load_format": "auto",
            "reasoning_parser": None,
            "tool_call_parser": None,
            "disaggregation_mode": "null",
            "has_image_understanding": config.vision,
            "has_audio_understanding": False,
            "model_type": "llama4",
            "architectures": ["Llama4ForConditionalGeneration"],
        }
    )


async def server_info(request: Request) -> Response:
    """/server_info (and /get_server_info): server args plus scheduler state."""
    engine = _engine(request)
    config = engine.config
    return JSONResponse(
        {
            "model_path": config.model_path,
            "served_model_name": config.served_model_name,
            "context_length": config.context_length,
            "tp_size": 8,
            "dp_size": 1,
            "max_running_requests": config.max_running_requests,
            "max_queued_requests": config.max_queued_requests,
            "enable_metrics": True,
            "enable_cache_report": config.enable_cache_report,
            "enable_multimodal": config.vision,
            "max_total_num_tokens": config.kv_pool_tokens,
            "max_req_input_len": config.effective_max_req_input_len,
            "internal_states": [{"last_gen_throughput": engine.gen_throughput()}],
            "version": config.version,
        }
    )


def _model_card(engine: Engine) -> dict[str, Any]:
    config = engine.config
    return {
        "id": config.served_model_name,
        "object": "model",
        "created": int(engine.started_wall),
        "owned_by": "sglang",
        "root": config.model_path,
        "max_model_len": config.context_length,
    }


async def models(request: Request) -> Response:
    """/v1/models: the served model with max_model_len."""
    return JSONResponse({"object": "list", "data": [_model_card(_engine(request))]})


async def model(request: Request) -> Response:
    """/v1/models/{id}: 404 with OpenAI's nested error for an unknown id."""
    engine = _engine(request)
    if request.path_params["model_id"] != engine.config.served_model_name:
        message = f"The model `{request.path_params['model_id']}` does not exist."
        body = {"error": {"message": message, "type": "NotFoundError", "code": "model_not_found"}}
        return JSONResponse(body, status_code=404)
    return JSONResponse(_model_card(engine))


def _load(engine: Engine) -> list[dict[str, int]]:
    running, waiting = len(engine.scheduler.running), len(engine.scheduler.waiting)
    return [
        {
            "dp_rank": 0,
            "num_reqs": running + waiting,
            "num_waiting_reqs": waiting,
            "num_tokens": engine.used_tokens(),
        }
    ]


async def get_load(request: Request) -> Response:
    """/get_load, which sglang-router 0.3.2 polls: one entry per DP rank."""
    return JSONResponse(_load(_engine(request)))


async def loads(request: Request) -> Response:
    """/v1/loads, the 0.5.23 name."""
    return JSONResponse({"timestamp": time.time(), "loads": _load(_engine(request))})


async def metrics(request: Request) -> Response:
    """Prometheus exposition of the sglang:* metrics."""
    data = generate_latest(_engine(request).metrics.registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST)


async def abort_request(request: Request) -> Response:
    """Abort by rid (or all); 200 with an empty body even for unknown rids."""
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    _engine(request).abort(body.get("rid"), abort_all=bool(body.get("abort_all")))
    return Response(status_code=200)


async def flush_cache(request: Request) -> Response:
    """Empty the prefix cache; 400 while requests are running."""
    engine = _engine(request)
    if engine.scheduler.running:
        return Response("Cache not flushed: requests are running.", status_code=400)
    engine.cache.clear()
    return Response("Cache flushed.", status_code=200)


async def tokenize(request: Request) -> Response:
    """/v1/tokenize: a prompt or chat messages to token ids."""
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    if isinstance(body.get("messages"), list):
        try:
            tokens = render_prompt(body["messages"], _engine(request).config)[0]
        except images.ImageError as exc:
            return error_json(str(exc), 400)
    elif isinstance(body.get("prompt"), str):
        tokens = tokenizer.encode(body["prompt"])
    else:
        return error_json("Provide `prompt` or `messages`.", 400)
    max_len = _engine(request).config.context_length
    return JSONResponse({"tokens": tokens, "count": len(tokens), "max_model_len": max_len})
