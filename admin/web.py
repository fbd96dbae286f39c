"""Request plumbing shared by the admin routes: login guard, CSRF, database calls, rendering."""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from admin.auth import Principal, principal_for
from admin.probe import StatusProbe
from admin.security import same
from core.settings import Settings
from core.storage.db import Database

SESSION_COOKIE = "parley_admin"
LOGIN_CSRF_COOKIE = "parley_admin_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
TEMPLATES_DIR = Path(__file__).parent / "templates"

Endpoint = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class AdminContext:
    """What every handler needs, kept on the admin app's state."""

    db: Database
    settings: Settings
    probe: StatusProbe
    templates: Jinja2Templates


def context(request: Request) -> AdminContext:
    """The admin app's shared context."""
    ctx: AdminContext = request.app.state.admin
    return ctx


def base_path(request: Request) -> str:
    """Where the admin app is mounted (e.g. '/admin'); links are built from it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front should be trusted via uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def is_api(request: Request) -> bool:
    """True for the JSON API routes."""
    return request.url.path.startswith(base_path(request) + "/api/")


async def db_call(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn(session, *args)` in a worker thread inside one transaction."""
    database = context(request).db

    def work() -> T:
        with database.session() as session:
            return fn(session, *args, **kwargs)

    return await run_in_threadpool(work)


def principal(request: Request) -> Principal:
    """The signed-in account (set by the login guard)."""
    found: Principal = request.state.principal
    return found


def _refuse_anonymous(request: Request) -> Response:
    if is_api(request):
        return JSONResponse({"error": "login required"}, status_code=401)
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"{base_path(request)}/login?next={target}", status_code=303)


async def _csrf_ok(request: Request, expected: str) -> bool:
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and not is_api(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    return same(supplied, expected)


def login_required(*, edit: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Guard an endpoint: a valid session, a CSRF token on writes, and the admin role to edit."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            token = request.cookies.get(SESSION_COOKIE)
            found = await db_call(request, principal_for, token) if token else None
            if found is None:
                return _refuse_anonymous(request)
            request.state.principal = found
            if request.method in UNSAFE_METHODS:
                if not await _csrf_ok(request, found.csrf_token):
                    return error(request, 403, "The form expired or the CSRF token is missing.")
                if edit and not found.can_edit:
                    return error(request, 403, "Your account may view but not change anything.")
            return await endpoint(request)

        guarded.__dict__["login_required"] = True
        return guarded

    return decorate


def error(request: Request, status: int, message: str) -> Response:
    """An error as JSON for the API, as a page otherwise (never with internal details)."""
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"message": message}, status_code=status)


def render(
    request: Request, template: str, values: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page with what every page needs (base path, signed-in account, CSRF token)."""
    who: Principal | None = getattr(request.state, "principal", None)
    common = {
        "base": base_path(request),
        "principal": who,
        "csrf_token": who.csrf_token if who else "",
        "path": request.url.path,
        "query": dict(request.query_params),
    }
    return context(request).templates.TemplateResponse(
        request, template, {**common, **values}, status_code=status_code
    )


def to_jsonable(value: Any) -> Any:
    """Dataclasses, dates and enums turned into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def json(data: Any, status_code: int = 200) -> JSONResponse:
    """A JSON response of any dataclass tree."""
    return JSONResponse(to_jsonable(data), status_code=status_code)


def int_param(request: Request, name: str, default: int = 0) -> int:
    """An integer query parameter, or the default when missing or malformed."""
    raw = request.query_params.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def path_int(request: Request, name: str) -> int | None:
    """An integer path parameter, or None when malformed."""
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        return None


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 redirect to a path inside the admin app."""
    return RedirectResponse(base_path(request) + path, status_code=303)


