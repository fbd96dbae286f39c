"""Subcommands of the parts that came after the core: sandbox, simulator, profiles, bench, admin."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from core.settings import SANDBOX_TOKEN

Configure = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]


def _passthrough(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="options of the part (see --help)")


def _sandbox(args: argparse.Namespace) -> int:
    """Serve the Telegram sandbox standalone (options: --port, --token, --persist, ...)."""
    from bot.sandbox.__main__ import main

    rest = list(args.rest)
    if "--token" not in rest:
        rest += ["--token", SANDBOX_TOKEN]
    main(rest)
    return 0


def _simulate_sglang(args: argparse.Namespace) -> int:
    """Serve the SGLang simulator (options: --port, --speed, --output-tokens, ...)."""
    from inference.simulator.__main__ import parse_args
    from inference.simulator.app import run_simulator

    host, port, config = parse_args(list(args.rest))
    run_simulator(host, port, config)
    return 0


EXTENSIONS: dict[str, tuple[Configure, Handler]] = {
    "sandbox": (_passthrough, _sandbox),
    "simulate-sglang": (_passthrough, _simulate_sglang),
}
