"""End to end in a real headless Chromium: sign in, open every page, search, read, ban.

Uses Debian's chromium (never a downloaded browser); skipped with instructions when it is absent.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from admin.seed import seed_database
from core.storage import policy
from core.storage.db import Database
from core.storage.policy import AccessReason
from tests.admin.factories import add_exchange, add_user, open_conversation
from tests.admin.helpers import PASSWORD, make_app
from tests.fixtures.redis_server import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "admin"
VICTIM = 555_000_001

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.exists() and not shutil.which("chromium"):
    pytest.skip("Chromium is not installed: run `apt-get install chromium` "
                "(or .ci/install-chromium.sh) to run the browser test", allow_module_level=True)


@pytest.fixture
def server(sqlite_db: Database) -> Iterator[str]:
    """The mounted admin app served by uvicorn on a free loopback port, with data and an admin."""
    from admin.cli import create_user

    create_user(sqlite_db, "admin", PASSWORD, "admin")
    seed_database(sqlite_db, 600, 25, days=10)
    with sqlite_db.session() as s:
        add_user(s, VICTIM, "victim", "en")
        conversation = open_conversation(s, VICTIM)
        add_exchange(s, conversation, VICTIM, "Where is the marmalade factory?",
                     reply_text="In the valley, past the bridge.")
    port = free_port()
    config = uvicorn.Config(make_app(sqlite_db), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/admin"
    instance.should_exit = True
    thread.join(10)


def test_operator_journey(server, sqlite_db):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            _journey(page, server, sqlite_db)
        finally:
            browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def _journey(page, base: str, db: Database) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    _shot(page, "login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Overview')")
    assert page.locator("svg.chart").count() == 1
    _shot(page, "overview")
    for name in ("languages", "conversations", "users", "failures", "personas"):
        page.click(f"a[data-nav={name}]")
        page.wait_for_selector(f"a.active[data-nav={name}]")
        assert page.locator("h1").inner_text().lower().startswith(name)
        _shot(page, name)

    page.click("a[data-nav=conversations]")
    page.fill("input[name=q]", "marmalade")
    page.click(".search-form button[type=submit]")
    page.wait_for_selector("td.snippet:has-text('marmalade factory')")
    assert page.locator("a.open-thread").count() == 1
    _shot(page, "search")
    page.click("a.open-thread")
    page.wait_for_selector(".bubble.assistant:has-text('past the bridge')")
    assert page.locator(".bubble .metrics").first.inner_text().startswith("in 100")
    _shot(page, "conversation")

    page.goto(f"{base}/users/{VICTIM}")
    assert page.locator("#access").inner_text() == "allowed"
    page.click("#ban")
    page.wait_for_selector("#unban")
    assert page.locator("#access").inner_text() == "banned"
    _shot(page, "user-banned")
    with db.session() as session:
        assert policy.check_access(session, VICTIM).reason is AccessReason.BANNED
