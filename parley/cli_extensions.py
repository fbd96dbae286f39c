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


def _admin_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="admin_command", required=True)
    create = sub.add_parser("create-user", help="create an admin account (or reset its password)")
    create.add_argument("username")
    create.add_argument("--role", choices=["admin", "viewer"], default="admin")
    stats = sub.add_parser("stats", help="print the overview")
    stats.add_argument("--range", default="7d", help="1d, 7d or 30d")
    seed = sub.add_parser("seed", help="fill the database with synthetic history (benchmarks)")
    seed.add_argument("--messages", type=int, default=1_000_000)
    seed.add_argument("--users", type=int, default=100_000)


def _admin(args: argparse.Namespace) -> int:
    """Manage the admin dashboard: create-user, stats, seed."""
    from admin import cli as admin_cli
    from core.settings import get_settings
    from core.storage.db import Database

    db = Database(get_settings().effective_database_url)
    try:
        if args.admin_command == "create-user":
            print(admin_cli.create_user(db, args.username, admin_cli.prompt_password(), args.role))
        elif args.admin_command == "stats":
            print(admin_cli.stats(db, args.range))
        else:
            admin_cli.seed(db, args.messages, args.users)
    finally:
        db.dispose()
    return 0


def _sglang_arguments(parser: argparse.ArgumentParser) -> None:
    from inference.profiles import add_sglang_command_arguments

    add_sglang_command_arguments(parser)


def _sglang_command(args: argparse.Namespace) -> int:
    """Print the SGLang launch command of a deployment profile (--list to see them)."""
    from inference.profiles import sglang_command_main

    return sglang_command_main(args)


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.cli import add_bench_arguments

    add_bench_arguments(parser)


def _bench(args: argparse.Namespace) -> int:
    """Run the load benchmark against the whole system (see docs/benchmarks.md)."""
    from bench.cli import bench_main

    return bench_main(args)


EXTENSIONS: dict[str, tuple[Configure, Handler]] = {
    "sandbox": (_passthrough, _sandbox),
    "simulate-sglang": (_passthrough, _simulate_sglang),
    "sglang-command": (_sglang_arguments, _sglang_command),
    "bench": (_bench_arguments, _bench),
    "admin": (_admin_arguments, _admin),
}
