"""Command line: `python -m inference.simulator --port 30000 [--speed 10 ...]`."""

from __future__ import annotations

import argparse
import os

from inference.simulator.app import run_simulator
from inference.simulator.config import SimulatorConfig


def parse_args(argv: list[str] | None = None) -> tuple[str, int, SimulatorConfig]:
    """Read host, port and the commonly tuned SimulatorConfig fields."""
    parser = argparse.ArgumentParser(description="An SGLang 0.5.x protocol simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=30000)
    parser.add_argument("--served-model-name", default="llama-4-maverick")
    parser.add_argument("--context-length", type=int, default=131072)
    parser.add_argument("--max-running-requests", type=int, default=256)
    parser.add_argument("--max-queued-requests", type=int, default=None)
    parser.add_argument("--startup-seconds", type=float, default=0.0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--output-tokens", type=int, default=None)
    parser.add_argument("--content", choices=["filler", "echo", "markdown"], default="filler")
    parser.add_argument("--think", action="store_true")
    parser.add_argument("--no-vision", action="store_true", help="refuse image content parts")
    args = parser.parse_args(argv)
    config = SimulatorConfig(
        served_model_name=args.served_model_name,
        api_key=os.environ.get("SGLANG_API_KEY") or None,
        context_length=args.context_length,
        max_running_requests=args.max_running_requests,
        max_queued_requests=args.max_queued_requests,
        startup_seconds=args.startup_seconds,
        speed=args.speed,
        output_tokens=args.output_tokens,
        content=args.content,
        think=args.think,
        vision=not args.no_vision,
    )
    return args.host, args.port, config


if __name__ == "__main__":
    host, port, config = parse_args()
    run_simulator(host, port, config)
