"""The admin dashboard as a Starlette app, mounted by the web app at /admin."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.formatting import FILTERS
from admin.probe import RedisStatusProbe, StatusProbe
from admin.routes import auth, conversations, failures, languages, overview, personas, users
from admin.web import TEMPLATES_DIR, AdminContext
from core.settings import Settings
from core.storage.db import Database

STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    b"content-security-policy": (
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"cache-control": b"no-store",
}


class SecurityHeaders:
    """Adds a strict CSP and no-store caching to every admin response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, adding the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def admin_routes() -> list[BaseRoute]:
    """Every route of the dashboard (pages, JSON API, login, static files)."""
    routes: list[BaseRoute] = []
    for module in (auth, overview, languages, conversations, users, failures, personas):
        routes.extend(module.routes())
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    return routes


def make_templates() -> Jinja2Templates:
    """The page templates with the number and time filters."""
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.filters.update(FILTERS)
    return templates


def create_admin_app(
    db: Database, settings: Settings, *, status_probe: StatusProbe | None = None
) -> Starlette:
    """The dashboard app; mount it with `Mount("/admin", app=create_admin_app(db, settings))`.

    Without a `status_probe`, the live state is read from the configured Redis and model server.
    """
    app = Starlette(routes=admin_routes(), middleware=[Middleware(SecurityHeaders)])
    app.state.admin = AdminContext(
        db=db,
        settings=settings,
        probe=status_probe or RedisStatusProbe.from_settings(settings),
        templates=make_templates(),
    )
    return app
