"""Failures: failed messages with their error and what became of the message."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import queries
from admin.timerange import parse_range
from admin.web import db_call, int_param, json, login_required, render


async def _data(request: Request) -> queries.Failures:
    rng = parse_range(request.query_params)
    return await db_call(request, queries.failures, rng, max(int_param(request, "offset"), 0))


@login_required()
async def failures_page(request: Request) -> Response:
    """The Failures page."""
    data = await _data(request)
    return render(request, "failures.html", {"data": data, "range": parse_range(
        request.query_params), "page": "failures"})


@login_required()
async def failures_api(request: Request) -> Response:
    """The Failures page as JSON."""
    return json(await _data(request))


def routes() -> list[Route]:
    """Failures routes."""
    return [
        Route("/failures", failures_page, methods=["GET"], name="failures"),
        Route("/api/failures", failures_api, methods=["GET"]),
    ]
