"""Login and logout: a CSRF-protected form, rate-limited, opening a server-side session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin import auth
from admin.security import new_token, same
from admin.web import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    base_path,
    client_ip,
    context,
    db_call,
    login_required,
    render,
)

PUBLIC_PATHS = {"/login"}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or context(request).settings.environment == "production"


def _cookie_path(request: Request) -> str:
    return base_path(request) or "/"


def _safe_next(request: Request, target: str | None) -> str:
    base = base_path(request)
    unsafe = not target or "\\" in target or "://" in target or target.startswith("//")
    if not unsafe and target and target.startswith(base + "/"):
        return target
    return base + "/"


async def _login_form(request: Request, message: str | None, status_code: int) -> Response:
    accounts = await db_call(request, auth.account_count)
    token = new_token()
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "message": message, "no_accounts": accounts == 0,
         "next": request.query_params.get("next", "")},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
        path=_cookie_path(request), max_age=3600,
    )
    return response


async def login_page(request: Request) -> Response:
    """The login form (and, with no account yet, how to create one)."""
    return await _login_form(request, None, 200)


async def login_submit(request: Request) -> Response:
    """Check the form's CSRF token and the credentials, then set the session cookie."""
    form = await request.form()
    supplied = form.get(CSRF_FIELD)
    if not same(supplied if isinstance(supplied, str) else None,
                request.cookies.get(LOGIN_CSRF_COOKIE)):
        return await _login_form(request, "The form expired; please try again.", 403)
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    result = await db_call(request, auth.login, username, password, client_ip(request))
    if result.throttled:
        minutes = max(1, round(result.retry_after / 60))
        message = f"Too many failed attempts. Try again in about {minutes} minute(s)."
        response = await _login_form(request, message, 429)
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    if result.token is None:
        return await _login_form(request, "Invalid username or password.", 401)
    target = _safe_next(request, str(form.get("next") or ""))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, result.token, httponly=True, samesite="lax", secure=_secure(request),
        path=_cookie_path(request), max_age=int(auth.SESSION_LIFETIME.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=_cookie_path(request))
    return response


@login_required()
async def logout(request: Request) -> Response:
    """End the session and go back to the login page."""
    await db_call(request, auth.close_session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(base_path(request) + "/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
    return response


def routes() -> list[Route]:
    """The login routes (the only ones reachable without a session, with the static files)."""
    return [
        Route("/login", login_page, methods=["GET"], name="login"),
        Route("/login", login_submit, methods=["POST"], name="login_submit"),
        Route("/logout", logout, methods=["POST"], name="logout"),
    ]
