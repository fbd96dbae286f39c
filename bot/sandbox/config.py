"""Configuration of the Telegram sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_TOKEN = "1000000001:sandbox-token-not-a-secret-0123456789"  # noqa: S105


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    """Everything the sandbox needs; defaults mirror Telegram's documented limits.

    Flood limits are token buckets: a bucket holds up to ``burst`` requests and refills at
    ``rate`` per second. Sends and edits count against the per-chat bucket, the per-group
    bucket (groups and supergroups only) and the overall bucket; drafts count only against
    their own, more generous per-chat bucket; chat actions only against the overall bucket.
    """

    token: str = DEFAULT_TOKEN
    bot_id: int | None = None
    bot_username: str = "parley_sandbox_bot"
    bot_first_name: str = "Parley (sandbox)"

    flood_limits_enabled: bool = True
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    overall_per_second: int = 30
    drafts_per_second: float = 5.0
    drafts_burst: int = 10

    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 20
    webhook_retry_base: float = 2.0
    webhook_retry_cap: float = 60.0
    update_ttl: float = 86400.0

    persist_path: Path | None = None
    first_update_id: int | None = None
    max_logged_calls: int = 10_000
    max_photo_bytes: int = 10 * 1024 * 1024

    def resolved_bot_id(self) -> int:
        """Return ``bot_id``, or the number before ':' in the token as Telegram's tokens carry."""
        if self.bot_id is not None:
            return self.bot_id
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1000000001
