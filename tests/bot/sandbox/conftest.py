"""Fixtures: a running sandbox on a free port, a PTB Bot pointed at it, an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from telegram import Bot

from tests.fixtures.sandbox import TEST_TOKEN, SandboxHandle, sandbox_handle


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio (PTB needs it)."""
    return "asyncio"


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    """Start sandboxes with config overrides; all are stopped at the end of the test."""
    with ExitStack() as stack:
        def start(**overrides: Any) -> SandboxHandle:
            return stack.enter_context(sandbox_handle(**overrides))

        yield start


@pytest.fixture
def sandbox_server(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    """A sandbox with the default (real) limits, yielding its URL and config."""
    return sandbox_factory()


@pytest.fixture
async def bot(sandbox_server: SandboxHandle) -> AsyncIterator[Bot]:
    """An initialized PTB Bot (getMe done) talking to ``sandbox_server``."""
    async with Bot(TEST_TOKEN, base_url=sandbox_server.bot_base_url) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def client(sandbox_server: SandboxHandle) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client with the sandbox as base URL."""
    async with httpx.AsyncClient(base_url=sandbox_server.url, timeout=10) as http:
        yield http
