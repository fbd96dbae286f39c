"""Run the sandbox standalone: ``python -m bot.sandbox --port 8081``."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.sandbox.app import run_sandbox
from bot.sandbox.config import DEFAULT_TOKEN, SandboxConfig


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the sandbox."""
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the only accepted bot token")
    parser.add_argument("--bot-username", default="parley_sandbox_bot")
    parser.add_argument("--persist", type=Path, default=None, help="JSON file for chats")
    parser.add_argument("--no-flood-limits", action="store_true")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        token=args.token,
        bot_username=args.bot_username,
        persist_path=args.persist,
        flood_limits_enabled=not args.no_flood_limits,
    )
    print(f"Sandbox chat page: http://{args.host}:{args.port}/")
    run_sandbox(args.host, args.port, config)


if __name__ == "__main__":
    main()
