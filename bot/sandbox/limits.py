"""Flood control: token buckets per chat, per group, overall and for drafts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from bot.sandbox.config import SandboxConfig


class FloodKind(Enum):
    """Which budgets a Bot API call spends."""

    MESSAGE = "message"  # sendMessage, editMessageText: per chat, per group, overall
    DRAFT = "draft"  # sendMessageDraft: its own per-chat bucket only
    ACTION = "action"  # sendChatAction: overall only


@dataclass
class TokenBucket:
    """Holds up to ``capacity`` tokens and refills ``rate`` tokens per second."""

    capacity: float
    rate: float
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        """Spend one token (call only after ``wait_time`` returned 0)."""
        self._refill(now)
        self.tokens -= 1


class FloodControl:
    """Decides whether a call may go now, or how many seconds the bot must wait."""

    def __init__(
        self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.clock = clock
        self.enabled = config.flood_limits_enabled
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, TokenBucket] = {}
        self._drafts: dict[int, TokenBucket] = {}
        self._overall = TokenBucket(config.overall_per_second, config.overall_per_second)

    def reset(self) -> None:
        """Forget all spent budgets."""
        self._chats.clear()
        self._groups.clear()
        self._drafts.clear()
        self._overall = TokenBucket(self.config.overall_per_second, self.config.overall_per_second)

    def _buckets(self, kind: FloodKind, chat_id: int, is_group: bool) -> list[TokenBucket]:
        cfg = self.config
        if kind is FloodKind.DRAFT:
            return [self._drafts.setdefault(
                chat_id, TokenBucket(cfg.drafts_burst, cfg.drafts_per_second)
            )]
        if kind is FloodKind.ACTION:
            return [self._overall]
        buckets = [
            self._chats.setdefault(
                chat_id, TokenBucket(cfg.per_chat_burst, cfg.per_chat_per_second)
            ),
            self._overall,
        ]
        if is_group:
            per_minute = cfg.per_group_per_minute
            buckets.append(self._groups.setdefault(
                chat_id, TokenBucket(per_minute, per_minute / 60.0)
            ))
        return buckets

    def check(self, kind: FloodKind, chat_id: int, is_group: bool) -> int | None:
        """Spend the call's budgets and return None, or return retry_after without spending."""
        if not self.enabled:
            return None
        now = self.clock()
        buckets = self._buckets(kind, chat_id, is_group)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(now)
        return None
