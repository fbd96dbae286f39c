"""Secrets never reach the logs: bot tokens are masked in structlog events and stdlib records."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from core.logging import configure_logging, scrub

TOKEN = "123456789:AAHx-very_secret-token-0123456789abc"


def test_scrub_masks_tokens_and_bot_urls() -> None:
    assert TOKEN not in scrub(f"rejected {TOKEN}")
    assert "secret" not in scrub(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger back: its handler would write to pytest's closed capture later."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_both_log_paths_mask_secrets(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("INFO")
    structlog.get_logger("t").warning("failed", url=f"https://x/bot{TOKEN}/getMe", api_key="k1")
    logging.getLogger("httpx").warning("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    logging.getLogger("celery").warning("%s broken %d", "job", 3)
    err = capsys.readouterr().err
    assert TOKEN not in err and "very_secret" not in err and "k1" not in err
    assert "job broken 3" in err
