"""The chat page: a self-contained HTML+JS client of the JSON API, served with its files."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


async def index(request: Request) -> Response:
    """Serve the chat page (relative URLs inside, so any mount prefix works)."""
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def page_routes() -> list[BaseRoute]:
    """Return the routes of the page and its static files."""
    return [
        Route("/", index, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
