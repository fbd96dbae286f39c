"""The `parley` command and its subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from core.logging import configure_logging
from core.settings import get_settings

Handler = Callable[[argparse.Namespace], int]


def _run(args: argparse.Namespace) -> int:
    from parley.supervisor import run_all

    return run_all(get_settings())


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from parley.web import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from workers.celery_app import app

    concurrency = args.concurrency or get_settings().worker_concurrency
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            "--queues=parley",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            f"--hostname={args.name}",
        ]
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from core.storage.migrate import downgrade, upgrade

    url = get_settings().effective_database_url
    if args.down:
        downgrade(url, args.revision or "base")
    else:
        upgrade(url, args.revision or "head")
    return 0


def _local_llm(args: argparse.Namespace) -> int:
    from inference.local_engine import serve_local_llm

    s = get_settings()
    serve_local_llm(
        s.host,
        args.port or s.local_llm_port,
        threads=s.local_llm_threads,
        parallel=s.local_llm_parallel,
        context=s.local_llm_context,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="parley", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything (embedded defaults when unconfigured)")
    sub.add_parser("web", help="serve the webhook, health, metrics (and the sandbox)")
    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.add_argument("--name", default="parley@%h")
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--down", action="store_true", help="downgrade instead")
    migrate.add_argument("--revision", default=None)
    local = sub.add_parser("local-llm", help="serve the tiny CPU model (llama.cpp)")
    local.add_argument("--port", type=int, default=None)
    _add_extensions(sub)
    return parser


HANDLERS: dict[str, Handler] = {
    "run": _run,
    "web": _web,
    "worker": _worker,
    "migrate": _migrate,
    "local-llm": _local_llm,
}


def _add_extensions(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Subcommands contributed by other parts (sandbox, simulator, admin, bench)."""
    from parley import cli_extensions

    for name, (configure, handler) in cli_extensions.EXTENSIONS.items():
        configure(sub.add_parser(name, help=handler.__doc__))
        HANDLERS[name] = handler


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parley` console script."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if not hasattr(args, "rest"):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.rest = extra + list(args.rest)
    return HANDLERS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
