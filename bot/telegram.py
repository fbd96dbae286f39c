"""The python-telegram-bot client, aimed at Telegram or at the sandbox."""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest


def make_bot(token: str, api_url: str, *, pool_size: int = 256, read_timeout: float = 20.0) -> Bot:
    """A PTB Bot posting to `{api_url}/bot<token>/<method>`; call `initialize()` in its loop."""
    base = api_url.rstrip("/")
    request = HTTPXRequest(
        connection_pool_size=pool_size,
        read_timeout=read_timeout,
        write_timeout=read_timeout,
        connect_timeout=5.0,
        pool_timeout=30.0,
    )
    updates_request = HTTPXRequest(connection_pool_size=1, read_timeout=60.0, connect_timeout=5.0)
    return Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request,
        get_updates_request=updates_request,
    )
