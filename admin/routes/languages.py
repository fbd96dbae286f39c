"""Languages: messages, users, latency and tokens per detected language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import queries
from admin.charts import bar_chart
from admin.timerange import parse_range
from admin.web import db_call, json, login_required, render


@login_required()
async def languages_page(request: Request) -> Response:
    """The Languages page."""
    rng = parse_range(request.query_params)
    stats = await db_call(request, queries.languages, rng)
    top = stats[:15]
    chart = bar_chart(
        [s.language or "unknown" for s in top], [s.messages for s in top], "Messages per language"
    )
    return render(request, "languages.html",
                  {"stats": stats, "chart": chart, "range": rng, "page": "languages"})


@login_required()
async def languages_api(request: Request) -> Response:
    """The Languages page as JSON."""
    rng = parse_range(request.query_params)
    stats = await db_call(request, queries.languages, rng)
    return json({"start": rng.start, "end": rng.end, "languages": stats})


def routes() -> list[Route]:
    """Languages routes."""
    return [
        Route("/languages", languages_page, methods=["GET"], name="languages"),
        Route("/api/languages", languages_api, methods=["GET"]),
    ]
