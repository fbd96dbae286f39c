"""The simulator's Starlette application: routes, API-key check and the uvicorn runner."""

from __future__ import annotations

import hmac

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from inference.simulator import admin, info
from inference.simulator.chat import chat_completions
from inference.simulator.config import SimulatorConfig
from inference.simulator.engine import Engine
from inference.simulator.native import generate

# SGLang exempts these from --api-key (sglang/srt/utils/auth.py); /_sim is the simulator's own.
EXEMPT_PREFIXES = ("/health", "/ready", "/metrics", "/_sim")


class ApiKeyMiddleware:
    """401 without `Authorization: Bearer <key>`, except on health, readiness and metrics."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        """Wrap `app`, requiring `api_key`."""
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the header, then pass the request on."""
        if scope["type"] == "http" and not scope["path"].startswith(EXEMPT_PREFIXES):
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await JSONResponse({"error": "Unauthorized"}, status_code=401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes() -> list[Route]:
    """Every endpoint the simulator serves."""
    get, post = ["GET"], ["POST"]
    return [
        Route("/v1/chat/completions", chat_completions, methods=post),
        Route("/generate", generate, methods=["POST", "PUT"]),
        Route("/abort_request", info.abort_request, methods=post),
        Route("/health", info.health, methods=get),
        Route("/health_generate", info.health, methods=get),
        Route("/ready", info.health, methods=get),
        Route("/model_info", info.model_info, methods=get),
        Route("/get_model_info", info.model_info, methods=get),
        Route("/server_info", info.server_info, methods=get),
        Route("/get_server_info", info.server_info, methods=get),
        Route("/v1/models", info.models, methods=get),
        Route("/v1/models/{model_id:path}", info.model, methods=get),
        Route("/get_load", info.get_load, methods=get),
        Route("/v1/loads", info.loads, methods=get),
        Route("/metrics", info.metrics, methods=get),
        Route("/flush_cache", info.flush_cache, methods=["GET", "POST"]),
        Route("/v1/tokenize", info.tokenize, methods=post),
        Route("/tokenize", info.tokenize, methods=post),
        Route("/_sim/faults", admin.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/stats", admin.stats, methods=get),
    ]


def create_simulator_app(config: SimulatorConfig | None = None) -> Starlette:
    """Build a simulator app; its Engine is at `app.state.engine`."""
    config = config or SimulatorConfig()
    app = Starlette(routes=routes())
    app.state.engine = Engine(config)
    if config.api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=config.api_key)
    return app


def run_simulator(host: str, port: int, config: SimulatorConfig | None = None) -> None:
    """Serve the simulator with uvicorn until interrupted."""
    app = create_simulator_app(config)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
