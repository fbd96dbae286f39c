"""The webhook endpoint: authenticate, bound, parse, hand to the intake, acknowledge."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.intake import IntakeResult, InvalidUpdate, parse_update
from bot.metrics import INTAKE_SECONDS, UPDATES
from core.logging import get_logger

log = get_logger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 (a header name)
Intake = Callable[[dict[str, Any]], IntakeResult]


class _TooLarge(Exception):
    pass


def _refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_route(path: str, *, secret: str, max_body: int, intake: Intake) -> Route:
    """A Starlette route that feeds Telegram's webhook calls into `intake`."""
    expected = secret.encode()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            UPDATES.labels("webhook", "unauthorized").inc()
            return _refuse(401, "missing or wrong secret token")
        try:
            body = await _read_capped(request, max_body)
            update = parse_update(body)
        except _TooLarge:
            UPDATES.labels("webhook", "too_large").inc()
            return _refuse(413, f"body larger than {max_body} bytes")
        except InvalidUpdate as exc:
            UPDATES.labels("webhook", "invalid").inc()
            return _refuse(400, str(exc))
        started = time.perf_counter()
        try:
            result = await run_in_threadpool(intake, update)
        except Exception as exc:
            # 5xx makes Telegram retry later; the update was not stored.
            log.error("intake_failed", error=type(exc).__name__, detail=str(exc)[:200])
            UPDATES.labels("webhook", "error").inc()
            return _refuse(503, "temporarily unavailable")
        INTAKE_SECONDS.observe(time.perf_counter() - started)
        UPDATES.labels("webhook", result.outcome).inc()
        if result.webhook_reply is not None:
            return JSONResponse(result.webhook_reply)
        return JSONResponse({"ok": True, "outcome": result.outcome})

    return Route(path, endpoint, methods=["POST"])
