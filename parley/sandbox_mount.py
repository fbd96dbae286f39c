"""The sandbox as the web app mounts it when no bot token is configured."""

from __future__ import annotations

from starlette.types import ASGIApp

from bot.sandbox import SandboxConfig, create_sandbox_app
from core.settings import SANDBOX_TOKEN, Settings


def sandbox_config(settings: Settings) -> SandboxConfig:
    """The sandbox's settings: the fixed local token and chat history kept in DATA_DIR."""
    return SandboxConfig(
        token=SANDBOX_TOKEN,
        bot_id=int(SANDBOX_TOKEN.split(":")[0]),
        bot_username="parley_sandbox_bot",
        persist_path=settings.data_dir / "sandbox.json",
    )


def sandbox_app(settings: Settings) -> ASGIApp:
    """The sandbox application to mount at /sandbox."""
    return create_sandbox_app(sandbox_config(settings))
