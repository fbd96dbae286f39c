"""The Starlette application of the sandbox, and a runner that serves it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.sandbox.api import bot_api_routes
from bot.sandbox.config import SandboxConfig
from bot.sandbox.json_api import JsonApiError, json_api_error, json_api_routes
from bot.sandbox.json_photos import photo_routes
from bot.sandbox.methods_files import file_routes
from bot.sandbox.page import page_routes
from bot.sandbox.runtime import Sandbox


class _StartOnRequest:
    """Start background tasks on the first request: a mounted app gets no lifespan events."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.sandbox.ensure_started()
        await self.app(scope, receive, send)


def create_sandbox_app(config: SandboxConfig) -> Starlette:
    """Build the sandbox: Bot API, file downloads, JSON API and the chat page.

    Routes: /bot<token>/<method>, /file/bot<token>/<file_path>, /api/..., and the page at /.

    Mounted under a prefix, Starlette does not forward lifespan events to this app; webhook
    delivery then starts with the first request. For a clean shutdown (final write of the
    state file), enter ``app.router.lifespan_context(app)`` from the parent's lifespan.
    The Sandbox object is available as ``app.state.sandbox``.
    """
    sandbox = Sandbox(config)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        sandbox.ensure_started()
        try:
            yield
        finally:
            await sandbox.stop()

    app = Starlette(
        routes=[
            *bot_api_routes(sandbox), *file_routes(sandbox), *json_api_routes(sandbox),
            *photo_routes(sandbox), *page_routes(),
        ],
        middleware=[Middleware(_StartOnRequest, sandbox=sandbox)],
        exception_handlers={JsonApiError: json_api_error, Exception: json_api_error},
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    return app


def run_sandbox(
    host: str = "127.0.0.1", port: int = 8081, config: SandboxConfig | None = None
) -> None:
    """Serve the sandbox standalone with uvicorn until interrupted."""
    app = create_sandbox_app(config or SandboxConfig())
    uvicorn.run(app, host=host, port=port, timeout_graceful_shutdown=5)
