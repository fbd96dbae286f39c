"""An admin app mounted like the web app mounts it, and a signed-in test client."""

from __future__ import annotations

import re
import warnings

from httpx import Response
from starlette.applications import Starlette
from starlette.routing import Mount

from admin import create_admin_app
from admin.cli import create_user
from admin.probe import LiveStatus, ModelServerState
from core.settings import Settings
from core.storage.db import Database

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "a long test password"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


class FakeProbe:
    """A probe with fixed live numbers."""

    async def snapshot(self) -> LiveStatus:
        return LiveStatus(queue_depth=4, workers_alive=2, workers=["w1", "w2"],
                          model=ModelServerState(7, 1, 0.25, 0.5))


def make_app(db: Database) -> Starlette:
    """The admin app mounted at /admin inside a parent app."""
    admin = create_admin_app(db, Settings(), status_probe=FakeProbe())
    return Starlette(routes=[Mount("/admin", app=admin)])


def client_for(db: Database) -> TestClient:
    """A test client of the mounted app (cookies kept between requests)."""
    return TestClient(make_app(db), base_url="http://testserver")


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, username: str = "admin", password: str = PASSWORD,
          ip_next: str = "") -> Response:
    """Fetch the login form and post the credentials; returns the response."""
    token = csrf_from(client.get("/admin/login").text)
    response: Response = client.post(
        "/admin/login",
        data={"csrf_token": token, "username": username, "password": password, "next": ip_next},
        follow_redirects=False,
    )
    return response


def signed_in(db: Database, role: str = "admin") -> TestClient:
    """A client signed in as a fresh account of the role."""
    create_user(db, "admin" if role == "admin" else "viewer", PASSWORD, role)
    client = client_for(db)
    response = login(client, "admin" if role == "admin" else "viewer")
    assert response.status_code == 303, response.text
    return client
