"""The SGLang simulator for the benchmark, recording every request's own timing by rid.

    python -m bench.sim_server --port 30000 --speed 1 --output-tokens-min 40 --output-tokens-max 400

`GET /_bench/timings` answers ``{"timings": {rid: [e2e_s, ttft_s, prompt, cached, output]},
"peak_running": n}``; e2e is from the request's arrival to its last token, as SGLang's
sglang:e2e_request_latency_seconds.
"""

from __future__ import annotations

import argparse
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inference.simulator import SimulatorConfig, create_simulator_app
from inference.simulator.engine import Engine, Generation

Timing = tuple[float, float | None, int, int, int]


class TimedEngine(Engine):
    """The simulator's engine, also keeping per-request timings and the peak batch size."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Build the engine with empty timing records."""
        super().__init__(config)
        self.timings: dict[str, Timing] = {}
        self.peak_running = 0

    def _emit(self, gen: Generation, piece: str) -> None:
        super()._emit(gen, piece)
        self.peak_running = max(self.peak_running, len(self.scheduler.running))

    def _observe(self, gen: Generation) -> None:
        super()._observe(gen)
        ttft = gen.first_token_at - gen.arrived if gen.first_token_at is not None else None
        self.timings[gen.rid] = (
            time.monotonic() - gen.arrived, ttft, len(gen.prompt_ids), gen.cached_tokens,
            len(gen.output),
        )


def timings_route(engine: TimedEngine) -> Route:
    """The route that reports the recorded timings."""

    async def endpoint(_: Request) -> Response:
        return JSONResponse({"timings": engine.timings, "peak_running": engine.peak_running})

    return Route("/_bench/timings", endpoint, methods=["GET"])


def create_app(config: SimulatorConfig) -> Starlette:
    """A simulator app whose engine records timings."""
    app = create_simulator_app(config)
    engine = TimedEngine(config)
    app.state.engine = engine
    app.router.routes.insert(0, timings_route(engine))
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the timed simulator on loopback."""
    parser = argparse.ArgumentParser(prog="python -m bench.sim_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--output-tokens-min", type=int, default=40)
    parser.add_argument("--output-tokens-max", type=int, default=400)
    parser.add_argument("--max-running-requests", type=int, default=1024)
    args = parser.parse_args(argv)
    config = SimulatorConfig(
        speed=args.speed,
        output_tokens_min=args.output_tokens_min,
        output_tokens_max=args.output_tokens_max,
        max_running_requests=args.max_running_requests,
    )
    uvicorn.run(create_app(config), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=1)


if __name__ == "__main__":
    main()
