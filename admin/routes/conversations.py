"""Conversations: search messages by user, chat, text, language and date; read a thread."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import queries
from admin.web import db_call, error, int_param, json, login_required, path_int, render


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw and raw.strip() else None
    except ValueError:
        return None


def filters_from(request: Request) -> queries.SearchFilters:
    """Search filters from the query string (malformed values are ignored)."""
    params = request.query_params
    chat = params.get("chat", "").strip()
    return queries.SearchFilters(
        user=params.get("user", "").strip() or None,
        chat_id=int(chat) if chat.lstrip("-").isdigit() else None,
        text=params.get("q", "").strip() or None,
        language=params.get("language", "").strip() or None,
        start=_day(params.get("from")),
        end=_day(params.get("to")),
    )


async def _search(request: Request) -> queries.Page[queries.MessageHit]:
    offset = max(int_param(request, "offset"), 0)
    return await db_call(request, queries.search_messages, filters_from(request), offset)


@login_required()
async def search_page(request: Request) -> Response:
    """The Conversations page: a search form and the matching messages, newest first."""
    results = await _search(request)
    languages = await db_call(request, queries.known_languages)
    return render(request, "conversations.html", {
        "results": results, "filters": filters_from(request), "languages": languages,
        "page": "conversations",
    })


@login_required()
async def search_api(request: Request) -> Response:
    """Search results as JSON."""
    return json(await _search(request))


async def _thread(request: Request) -> queries.ConversationThread | None:
    ident = path_int(request, "conversation_id")
    return None if ident is None else await db_call(request, queries.conversation_thread, ident)


@login_required()
async def thread_page(request: Request) -> Response:
    """One conversation read as a thread, with each reply's metrics."""
    thread = await _thread(request)
    if thread is None:
        return error(request, 404, "No such conversation.")
    return render(request, "conversation.html", {"thread": thread, "page": "conversations"})


@login_required()
async def thread_api(request: Request) -> Response:
    """One conversation as JSON."""
    thread = await _thread(request)
    return json(thread) if thread is not None else error(request, 404, "No such conversation.")


def routes() -> list[Route]:
    """Conversation routes."""
    return [
        Route("/conversations", search_page, methods=["GET"], name="conversations"),
        Route("/conversations/{conversation_id}", thread_page, methods=["GET"]),
        Route("/api/conversations", search_api, methods=["GET"]),
        Route("/api/conversations/{conversation_id}", thread_api, methods=["GET"]),
    ]
