"""The Telegram sandbox for the benchmark, with a compact feed of every Bot API call.

    python -m bench.sandbox_server --port 8081 [--no-flood-limits]

`GET /_bench/events?after=N&wait=S` long-polls the calls logged after index N:
``{"events": [[method, chat_id, status, unix_time], ...], "next": M}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox import SandboxConfig, create_sandbox_app
from bot.sandbox.journal import Journal
from core.settings import SANDBOX_TOKEN

MAX_WAIT = 10.0
MAX_EVENTS = 20_000
Event = tuple[str, int, int, float]


class EventJournal(Journal):
    """The sandbox's journal, also keeping every call as a small event for the feed."""

    def __init__(self, max_calls: int) -> None:
        """Keep `max_calls` full entries (as the sandbox does) and every event."""
        super().__init__(max_calls)
        self.events: list[Event] = []
        self._changed: asyncio.Event | None = None

    def record(self, method: str, params: dict[str, Any], status: int, source: str = "http",
               description: str | None = None) -> None:
        """Log the call as the sandbox does, then append its event and wake the feed."""
        super().record(method, params, status, source, description)
        self.events.append((method, _chat_id(params), status, self._calls[-1]["time"]))
        if self._changed is not None:
            self._changed.set()

    async def wait_after(self, index: int, wait: float) -> None:
        """Wait until there are events past `index`, or `wait` seconds pass."""
        if len(self.events) > index or wait <= 0:
            return
        if self._changed is None or self._changed.is_set():
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), wait)


def _chat_id(params: dict[str, Any]) -> int:
    try:
        return int(params.get("chat_id") or 0)
    except (TypeError, ValueError):
        return 0


def events_route(journal: EventJournal) -> Route:
    """The long-polled feed of call events."""

    async def endpoint(request: Request) -> Response:
        after = int(request.query_params.get("after", "0"))
        wait = min(float(request.query_params.get("wait", "0")), MAX_WAIT)
        await journal.wait_after(after, wait)
        events = journal.events[after : after + MAX_EVENTS]
        return JSONResponse({"events": events, "next": after + len(events)})

    return Route("/_bench/events", endpoint, methods=["GET"])


def create_app(flood_limits: bool = True) -> Starlette:
    """The sandbox app for SANDBOX_TOKEN with Telegram's limits and the event feed."""
    app = create_sandbox_app(
        SandboxConfig(token=SANDBOX_TOKEN, flood_limits_enabled=flood_limits, max_logged_calls=100)
    )
    journal = EventJournal(100)
    app.state.sandbox.journal = journal
    app.router.routes.insert(0, events_route(journal))
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the benchmark's sandbox on loopback."""
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-flood-limits", action="store_true")
    args = parser.parse_args(argv)
    app = create_app(flood_limits=not args.no_flood_limits)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=1)


if __name__ == "__main__":
    main()
