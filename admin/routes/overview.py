"""Overview: traffic, latency, errors, tokens and cost for a time range, plus the live state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import actions, queries
from admin.charts import Series, time_chart
from admin.probe import LiveStatus
from admin.timerange import TimeRange, parse_range
from admin.web import context, db_call, error, json, login_required, redirect, render


@dataclass(frozen=True, slots=True)
class OverviewPage:
    """The Overview page's data: database numbers, live state and the prices used."""

    overview: queries.Overview
    live: LiveStatus
    prices: queries.Prices


def _load(session: Session, rng: TimeRange) -> tuple[queries.Overview, queries.Prices]:
    prices = actions.load_prices(session)
    return queries.overview(session, rng, prices), prices


async def _data(request: Request) -> OverviewPage:
    rng = parse_range(request.query_params)
    overview, prices = await db_call(request, _load, rng)
    live = await context(request).probe.snapshot()
    return OverviewPage(overview=overview, live=live, prices=prices)


@login_required()
async def overview_page(request: Request) -> Response:
    """The Overview page."""
    data = await _data(request)
    days = [d.day for d in data.overview.daily]
    chart = time_chart(
        days,
        [
            Series("Messages", [d.messages for d in data.overview.daily], "s1"),
            Series("Replies", [d.replies for d in data.overview.daily], "s2"),
            Series("Failed", [d.failed for d in data.overview.daily], "s3"),
        ],
        "Messages and replies per day",
    )
    rng = parse_range(request.query_params)
    return render(request, "overview.html", {"data": data, "chart": chart, "range": rng,
                                             "page": "overview"})


@login_required()
async def overview_api(request: Request) -> Response:
    """The Overview page as JSON."""
    return json(await _data(request))


@login_required(edit=True)
async def save_prices(request: Request) -> Response:
    """Store the prices per million tokens used for the cost estimate."""
    form = await request.form()
    try:
        prices = queries.Prices(
            **{name: float(str(form.get(name) or 0)) for name in actions.PRICE_KEYS}
        )
        await db_call(request, actions.save_prices, prices)
    except ValueError:
        return error(request, 400, "Prices must be non-negative numbers.")
    return redirect(request, "/")


def routes() -> list[Route]:
    """Overview routes."""
    return [
        Route("/", overview_page, methods=["GET"], name="overview"),
        Route("/api/overview", overview_api, methods=["GET"]),
        Route("/prices", save_prices, methods=["POST"]),
    ]
