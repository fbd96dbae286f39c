"""Test-only routes under /_sim: inject faults, read counters. Not part of SGLang's API."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inference.simulator.config import FaultSpec
from inference.simulator.engine import Engine


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def faults(request: Request) -> Response:
    """GET lists armed faults; POST arms one (a FaultSpec as JSON); DELETE disarms all."""
    engine = _engine(request)
    if request.method == "POST":
        try:
            spec = FaultSpec.from_json(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        engine.faults.append(spec)
    elif request.method == "DELETE":
        engine.faults.clear()
    return JSONResponse({"faults": [asdict(spec) for spec in engine.faults]})


async def stats(request: Request) -> Response:
    """Counters and the most recent requests (bodies, rid, X-Request-Id), for assertions."""
    engine = _engine(request)
    s = engine.stats
    return JSONResponse(
        {
            "requests": s.requests,
            "completed": s.completed,
            "aborted": s.aborted,
            "faults_injected": s.faults_injected,
            "in_flight": sorted(engine.in_flight),
            "running": len(engine.scheduler.running),
            "waiting": len(engine.scheduler.waiting),
            "cache_tokens": engine.cache.size,
            "recent": list(s.recent),
        }
    )
