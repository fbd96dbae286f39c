"""Users: list and search, allow-list mode, bans, roles, quotas, preferences and usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import actions, queries
from admin.actions import PolicyUpdate, parse_optional_int
from admin.charts import Series, time_chart
from admin.timerange import TimeRange, parse_range
from admin.web import (
    db_call,
    error,
    int_param,
    json,
    login_required,
    path_int,
    redirect,
    render,
)
from core.storage import policy
from core.storage.admin_models import UserRole
from core.storage.policy import AccessDecision


@dataclass(frozen=True, slots=True)
class UsersPage:
    """The Users page: a page of users and the bot-wide settings."""

    users: queries.Page[queries.UserRow]
    settings: queries.DashboardSettings


@dataclass(frozen=True, slots=True)
class UserPage:
    """One user's page: details, the access decision the bot would make now, and the personas."""

    detail: queries.UserDetail
    access: AccessDecision
    messages_today: int
    tokens_today: int
    personas: list[queries.PersonaRow]


def _filters(request: Request) -> queries.UserFilters:
    status = request.query_params.get("status", "all")
    return queries.UserFilters(q=request.query_params.get("q", "").strip() or None,
                               status=status if status in STATUSES else "all")


STATUSES = ("all", "banned", "allowed", "admin", "limited")


def _users_page(
    session: Session, filters: queries.UserFilters, rng: TimeRange, offset: int
) -> UsersPage:
    return UsersPage(queries.list_users(session, filters, rng, offset),
                     actions.load_settings(session))


def _user_page(session: Session, user_id: int, rng: TimeRange) -> UserPage | None:
    detail = queries.user_detail(session, user_id, rng)
    if detail is None:
        return None
    return UserPage(
        detail=detail, access=policy.check_access(session, user_id),
        messages_today=policy.messages_today(session, user_id),
        tokens_today=policy.tokens_today(session, user_id),
        personas=queries.personas(session),
    )


async def _list(request: Request) -> UsersPage:
    rng = parse_range(request.query_params)
    offset = max(int_param(request, "offset"), 0)
    return await db_call(request, _users_page, _filters(request), rng, offset)


@login_required()
async def users_page(request: Request) -> Response:
    """The Users page."""
    data = await _list(request)
    return render(request, "users.html", {
        "data": data, "filters": _filters(request), "statuses": STATUSES,
        "range": parse_range(request.query_params), "page": "users",
    })


@login_required()
async def users_api(request: Request) -> Response:
    """The Users page as JSON."""
    return json(await _list(request))


async def _detail(request: Request) -> UserPage | None:
    ident = path_int(request, "user_id")
    rng = parse_range(request.query_params)
    return None if ident is None else await db_call(request, _user_page, ident, rng)


@login_required()
async def user_page(request: Request) -> Response:
    """One user's page with the policy form."""
    data = await _detail(request)
    if data is None:
        return error(request, 404, "No such user.")
    daily = data.detail.daily
    chart = time_chart(
        [d.day for d in daily], [Series("Messages", [d.messages for d in daily], "s1")],
        "Messages per day", width=460, height=220,
    )
    return render(request, "user.html", {
        "data": data, "chart": chart, "roles": [r.value for r in UserRole],
        "range": parse_range(request.query_params), "page": "users",
    })


@login_required()
async def user_api(request: Request) -> Response:
    """One user as JSON."""
    data = await _detail(request)
    return json(data) if data is not None else error(request, 404, "No such user.")


def _form_update(form: FormData) -> PolicyUpdate:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    persona = text("persona_id")
    return PolicyUpdate(
        allowed=text("allowed") == "on",
        role=text("role") or UserRole.USER.value,
        daily_message_quota=parse_optional_int(text("daily_message_quota")),
        daily_token_quota=parse_optional_int(text("daily_token_quota")),
        ui_language=text("ui_language"),
        persona_id=int(persona) if persona else None,
        note=text("note"),
    )


async def _apply(request: Request, user_id: int, change: PolicyUpdate) -> Response | None:
    try:
        await db_call(request, actions.update_policy, user_id, change)
    except ValueError as exc:
        return error(request, 400, f"Not saved: {exc}.")
    return None


@login_required(edit=True)
async def save_user(request: Request) -> Response:
    """Save the policy form of one user."""
    ident = path_int(request, "user_id")
    if ident is None:
        return error(request, 404, "No such user.")
    try:
        change = _form_update(await request.form())
    except ValueError:
        return error(request, 400, "Quotas must be whole numbers (empty: default).")
    return await _apply(request, ident, change) or redirect(request, f"/users/{ident}")


def _ban_endpoint(banned: bool) -> Any:
    @login_required(edit=True)
    async def endpoint(request: Request) -> Response:
        ident = path_int(request, "user_id")
        if ident is None:
            return error(request, 404, "No such user.")
        await db_call(request, policy.set_banned, ident, banned)
        return redirect(request, f"/users/{ident}")

    endpoint.__name__ = "ban_user" if banned else "unban_user"
    endpoint.__doc__ = "Ban the user." if banned else "Lift the user's ban."
    return endpoint


@login_required(edit=True)
async def allow_user(request: Request) -> Response:
    """Put a Telegram user id on the allow-list (it may not have written yet)."""
    raw = str((await request.form()).get("user_id") or "").strip()
    if not raw.lstrip("-").isdigit():
        return error(request, 400, "A Telegram user id is a number.")
    await db_call(request, policy.set_allowed, int(raw), True)
    return redirect(request, f"/users/{int(raw)}")


@login_required(edit=True)
async def save_settings(request: Request) -> Response:
    """Save allow-list mode and the default daily quotas."""
    form = await request.form()
    try:
        messages = parse_optional_int(str(form.get("default_daily_messages") or ""))
        tokens = parse_optional_int(str(form.get("default_daily_tokens") or ""))
    except ValueError:
        return error(request, 400, "Quotas must be whole numbers (empty: unlimited).")
    await db_call(request, _save_settings, form.get("allowlist") == "on", messages, tokens)
    return redirect(request, "/users")


def _save_settings(session: Session, allowlist: bool, messages: int | None,
                   tokens: int | None) -> None:
    actions.save_bot_settings(session, allowlist=allowlist, daily_messages=messages,
                              daily_tokens=tokens)


JSON_TYPES: dict[str, tuple[type, ...]] = {
    "banned": (bool,), "allowed": (bool,), "role": (str,),
    "daily_message_quota": (int, type(None)), "daily_token_quota": (int, type(None)),
    "ui_language": (str, type(None)), "persona_id": (int, type(None)),
    "note": (str, type(None)),
}


def _json_update(body: dict[str, Any]) -> PolicyUpdate:
    unknown = set(body) - set(JSON_TYPES)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    for name, value in body.items():
        numeric = JSON_TYPES[name][0] is int
        if not isinstance(value, JSON_TYPES[name]) or (numeric and isinstance(value, bool)):
            raise ValueError(f"{name} has the wrong type")
    if "role" in body and body["role"] not in {r.value for r in UserRole}:
        raise ValueError("role must be user or admin")
    return PolicyUpdate(**body)


@login_required(edit=True)
async def user_update_api(request: Request) -> Response:
    """Change one user's policy with a JSON object of the fields to change (null clears)."""
    ident = path_int(request, "user_id")
    if ident is None:
        return error(request, 404, "No such user.")
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        change = _json_update(body)
    except ValueError as exc:
        return error(request, 400, f"Bad request: {exc}")
    failure = await _apply(request, ident, change)
    return failure or json(await db_call(request, policy.check_access, ident))


def routes() -> list[Route]:
    """User routes."""
    return [
        Route("/users", users_page, methods=["GET"], name="users"),
        Route("/users/settings", save_settings, methods=["POST"]),
        Route("/users/allow", allow_user, methods=["POST"]),
        Route("/users/{user_id}", user_page, methods=["GET"]),
        Route("/users/{user_id}", save_user, methods=["POST"]),
        Route("/users/{user_id}/ban", _ban_endpoint(True), methods=["POST"]),
        Route("/users/{user_id}/unban", _ban_endpoint(False), methods=["POST"]),
        Route("/api/users", users_api, methods=["GET"]),
        Route("/api/users/{user_id}", user_api, methods=["GET"]),
        Route("/api/users/{user_id}", user_update_api, methods=["POST"]),
    ]
