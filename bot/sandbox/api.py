"""The Bot API endpoint: auth, parameters, faults, dispatch by method, and the call log."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox import methods_files, methods_messages, methods_profile, methods_updates
from bot.sandbox.protocol import (
    METHOD_NOT_FOUND,
    UNAUTHORIZED,
    Answer,
    ApiError,
    Params,
    ok_response,
    read_params,
)
from bot.sandbox.runtime import Sandbox

log = logging.getLogger(__name__)

Handler = Callable[[Sandbox, Params], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {
    **methods_messages.HANDLERS,
    **methods_updates.HANDLERS,
    **methods_profile.HANDLERS,
    **methods_files.HANDLERS,
}
METHODS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler) for name, handler in HANDLERS.items()
}


async def _answer(sandbox: Sandbox, name: str, params: dict[str, Any]) -> JSONResponse:
    fault = sandbox.faults.take(name, params)
    if fault is not None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if (error := fault.error()) is not None:
            raise error
    entry = METHODS.get(name.lower())
    if entry is None:
        raise METHOD_NOT_FOUND
    result = await entry[1](sandbox, Params(params))
    if isinstance(result, Answer):
        return ok_response(result.result, result.description)
    return ok_response(result)


async def call_method(
    sandbox: Sandbox, method: str, params: dict[str, Any], source: str = "http"
) -> JSONResponse:
    """Run one Bot API call and log it; errors become Telegram's JSON answers."""
    name = METHODS.get(method.lower(), (method, None))[0]
    description = None
    try:
        response = await _answer(sandbox, name, params)
    except ApiError as exc:
        response, description = exc.response(), exc.description
    except Exception:
        log.exception("sandbox: %s failed", name)
        error = ApiError(500, "Internal Server Error")
        response, description = error.response(), error.description
    sandbox.journal.record(name, params, response.status_code, source, description)
    return response


def bot_api_routes(sandbox: Sandbox) -> list[Route]:
    """Return the route ``/bot<token>/<method>`` (GET and POST)."""

    async def endpoint(request: Request) -> Response:
        token = request.path_params["token"]
        method = request.path_params["method"]
        if not hmac.compare_digest(token.encode(), sandbox.config.token.encode()):
            return UNAUTHORIZED.response()
        try:
            params = await read_params(request)
        except ApiError as exc:
            sandbox.journal.record(method, {}, exc.error_code, "http", exc.description)
            return exc.response()
        return await call_method(sandbox, method, params)

    async def execute_reply(call: dict[str, Any]) -> None:
        params = {k: v for k, v in call.items() if k != "method"}
        await call_method(sandbox, str(call["method"]), params, source="webhook_reply")

    sandbox.execute_reply = execute_reply
    return [Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"])]
