"""A local Telegram Bot API emulator over real HTTP, with a chat page for people and tests."""

from bot.sandbox.app import create_sandbox_app, run_sandbox
from bot.sandbox.config import SandboxConfig

__all__ = ["SandboxConfig", "create_sandbox_app", "run_sandbox"]
