"""The intake load generator: closed-loop HTTP/1.1 keep-alive POSTs, in a process of its own.

    python -m bench.intake_load --url http://127.0.0.1:8080/telegram/webhook --secret S \
        --connections 64 --duration 8 --cpu 1 --out result.json

Each connection posts a new realistic private-chat update as soon as the previous one is
acknowledged. With `--empty` it GETs the URL instead (the ceiling: an empty endpoint).
`--client raw` (default) uses bench.http1; `--client httpx` one httpx client per connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.http1 import Http1Connection
from bench.stats import summarize
from bench.workload import LANGUAGES, PHRASES

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
WARMUP_SECONDS = 1.0
CHATS = 1000


@dataclass
class Tally:
    """Acknowledgements and their latencies, counted after the warm-up only."""

    ok: int = 0
    total_ok: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def make_update(update_id: int) -> dict[str, Any]:
    """A Telegram update as the Bot API sends it for a private text message."""
    chat_id = 500_000 + update_id % CHATS
    language = LANGUAGES[update_id % len(LANGUAGES)]
    user = {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}",
            "language_code": language}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": int(time.time()), "from": user,
            "chat": {"id": chat_id, "first_name": user["first_name"], "type": "private"},
            "text": PHRASES[language][update_id % 4],
        },
    }


class Sender(Protocol):
    """Sends one request on one connection and returns the status code."""

    async def __call__(self, body: dict[str, Any] | None) -> int: ...


def httpx_sender(client: httpx.AsyncClient, url: str) -> Sender:
    """A sender on an httpx client (one client per connection)."""

    async def send(body: dict[str, Any] | None) -> int:
        response = await (client.get(url) if body is None else client.post(url, json=body))
        return response.status_code

    return send


def raw_sender(connection: Http1Connection) -> Sender:
    """A sender on a raw asyncio HTTP/1.1 connection."""

    async def send(body: dict[str, Any] | None) -> int:
        return await connection.request("GET" if body is None else "POST", body)

    return send


async def _connection(args: argparse.Namespace, index: int, tally: Tally,
                      measure_from: float, stop_at: float) -> None:
    headers = {SECRET_HEADER: args.secret}
    async with contextlib.AsyncExitStack() as stack:
        if args.client == "httpx":
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            client = await stack.enter_async_context(
                httpx.AsyncClient(limits=limits, headers=headers, timeout=30)
            )
            send = httpx_sender(client, args.url)
        else:
            connection = Http1Connection(args.url, headers)
            stack.push_async_callback(connection.close)
            send = raw_sender(connection)
        await _loop(send, args, index, tally, measure_from, stop_at)


async def _loop(send: Sender, args: argparse.Namespace, index: int, tally: Tally,
                measure_from: float, stop_at: float) -> None:
    sequence = 0
    while (now := time.perf_counter()) < stop_at:
        update_id = args.first_update_id + index * 10_000_000 + sequence
        sequence += 1
        try:
            good = await send(None if args.empty else make_update(update_id)) == 200
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            good = False
        tally.total_ok += good
        if now < measure_from:
            continue
        if good:
            tally.ok += 1
            tally.latencies_ms.append((time.perf_counter() - now) * 1000)
        else:
            tally.errors += 1


async def run_load(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the endpoint for the duration; return rates and acknowledgement latencies."""
    tally = Tally()
    start = time.perf_counter()
    measure_from, stop_at = start + WARMUP_SECONDS, start + WARMUP_SECONDS + args.duration
    cpu_before = os.times()
    await asyncio.gather(*(
        _connection(args, i, tally, measure_from, stop_at) for i in range(args.connections)
    ))
    cpu_after = os.times()
    elapsed = time.perf_counter() - measure_from
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "acknowledged": tally.ok, "acknowledged_with_warmup": tally.total_ok,
        "errors": tally.errors, "seconds": round(elapsed, 2),
        "per_second": round(tally.ok / elapsed, 1),
        "latency_ms": summarize(tally.latencies_ms),
        "client_cpu_percent": round(100 * cpu / (elapsed + WARMUP_SECONDS), 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Parse options, pin to a CPU, run, write the JSON result."""
    parser = argparse.ArgumentParser(prog="python -m bench.intake_load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", default="")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument("--first-update-id", type=int, default=1_000_000_000)
    parser.add_argument("--empty", action="store_true")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    result = asyncio.run(run_load(args))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
