"""HTTP behaviour of the dashboard: login, CSRF, rate limits, every page and API, edits."""

from __future__ import annotations

import logging
import re

import pytest
from starlette.routing import Mount, Route

from admin.app import admin_routes
from admin.cli import create_user
from admin.routes.auth import PUBLIC_PATHS
from core.storage import policy
from core.storage.policy import AccessReason
from tests.admin.factories import add_exchange, add_user, open_conversation
from tests.admin.helpers import PASSWORD, client_for, csrf_from, login, signed_in

PAGES = ["/", "/languages", "/conversations", "/users", "/failures", "/personas"]
APIS = ["/api/overview", "/api/languages", "/api/conversations", "/api/users",
        "/api/failures", "/api/personas"]


def _walk() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in admin_routes():
        if isinstance(route, Route) and route.path not in PUBLIC_PATHS:
            path = re.sub(r"{[^}]+}", "1", route.path)
            found.extend((method, path) for method in sorted(route.methods or ()) if
                         method != "HEAD")
    return found


def test_every_route_refuses_a_request_without_a_session(sqlite_db):
    client = client_for(sqlite_db)
    routes = _walk()
    assert len(routes) >= 30
    for method, path in routes:
        response = client.request(method, "/admin" + path, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.json() == {"error": "login required"}
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/admin/login?next=")
    mounts = [r for r in admin_routes() if isinstance(r, Mount)]
    assert [m.path for m in mounts] == ["/static"]  # the only other public path


def test_login_page_without_accounts_explains_how_to_create_one(sqlite_db):
    client = client_for(sqlite_db)
    page = client.get("/admin/login").text
    assert "parley admin create-user NAME" in page and "no default password" in page.lower()
    create_user(sqlite_db, "admin", PASSWORD, "admin")
    assert "create-user" not in client.get("/admin/login").text


def test_login_sets_a_hardened_cookie_and_redirects_safely(sqlite_db):
    create_user(sqlite_db, "admin", PASSWORD, "admin")
    client = client_for(sqlite_db)
    response = login(client, ip_next="/admin/users?status=banned")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?status=banned"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("parley_admin="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert PASSWORD not in response.text
    evil = login(client_for(sqlite_db), ip_next="//evil.example/x")
    assert evil.headers["location"] == "/admin/"


def test_login_refuses_a_missing_or_wrong_csrf_token(sqlite_db):
    create_user(sqlite_db, "admin", PASSWORD, "admin")
    client = client_for(sqlite_db)
    client.get("/admin/login")
    for token in ("", "forged"):
        response = client.post("/admin/login", data={"csrf_token": token, "username": "admin",
                                                     "password": PASSWORD},
                               follow_redirects=False)
        assert response.status_code == 403
        assert "parley_admin=" not in response.headers.get("set-cookie", "")


def test_wrong_password_then_rate_limit(sqlite_db, caplog):
    create_user(sqlite_db, "admin", PASSWORD, "admin")
    client = client_for(sqlite_db)
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        response = login(client, password="wrong password!")
        assert response.status_code == 401
        assert "Invalid username or password" in response.text
    blocked = login(client, password=PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "Too many failed attempts" in blocked.text
    assert PASSWORD not in caplog.text and "wrong password!" not in caplog.text


def test_posts_need_the_session_csrf_token(sqlite_db):
    client = signed_in(sqlite_db)
    refused = client.post("/admin/users/5/ban", data={}, follow_redirects=False)
    assert refused.status_code == 403
    api_refused = client.post("/admin/api/users/5", json={"banned": True})
    assert api_refused.status_code == 403
    token = csrf_from(client.get("/admin/users").text)
    ok = client.post("/admin/users/5/ban", data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    with sqlite_db.session() as s:
        assert policy.check_access(s, 5).reason is AccessReason.BANNED


@pytest.fixture
def traffic(admin_db):
    with admin_db.session() as s:
        add_user(s, 11, "alice", "en")
        conversation = open_conversation(s, 11)
        add_exchange(s, conversation, 11, "What is the capital of France?")
        add_exchange(s, conversation, 11, "and of Spain?", status="failed",
                     reply_status="failed", error="boom")
    return admin_db


def test_every_page_and_api_renders(traffic):
    client = signed_in(traffic)
    for path in PAGES:
        for query in ("", "?range=24h", "?range=90d", "?from=2026-01-01&to=2026-01-31",
                      "?range=bogus&offset=x"):
            response = client.get("/admin" + path + query)
            assert response.status_code == 200, (path, query)
            assert "<h1>" in response.text
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
            assert response.headers["x-frame-options"] == "DENY"
    for path in APIS:
        response = client.get("/admin" + path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "application/json"), path
    overview = client.get("/admin/api/overview").json()
    assert overview["overview"]["messages"] == 2 and overview["live"]["queue_depth"] == 4
    search = client.get("/admin/api/conversations", params={"q": "capital"}).json()
    assert [r["snippet"] for r in search["rows"]] == ["What is the capital of France?"]
    thread = client.get(f"/admin/api/conversations/{search['rows'][0]['conversation_id']}")
    assert len(thread.json()["messages"]) == 4
    assert client.get("/admin/conversations/987654").status_code == 404
    assert client.get("/admin/api/users/987654").status_code == 404
    assert client.get("/admin/users/11").status_code == 200
    assert "boom" in client.get("/admin/failures").text


def test_user_policy_form_and_json_api(traffic):
    client = signed_in(traffic)
    token = csrf_from(client.get("/admin/users/11").text)
    saved = client.post("/admin/users/11", data={
        "csrf_token": token, "role": "admin", "allowed": "on", "daily_message_quota": "5",
        "daily_token_quota": "", "ui_language": "de", "persona_id": "", "note": "vip",
    }, follow_redirects=False)
    assert saved.status_code == 303
    with traffic.session() as s:
        assert policy.is_admin(s, 11) and policy.get_user_prefs(s, 11).ui_language == "de"
        row = policy.get_policy(s, 11)
        assert row is not None and row.daily_message_quota == 5
    bad = client.post("/admin/users/11", data={"csrf_token": token, "daily_message_quota": "x"})
    assert bad.status_code == 400
    headers = {"x-csrf-token": token}
    response = client.post("/admin/api/users/11", json={"banned": True, "role": "user"},
                           headers=headers)
    assert response.status_code == 200 and response.json()["reason"] == "banned"
    for body in ({"banned": "yes"}, {"password": 1}, {"daily_message_quota": True}, [1]):
        assert client.post("/admin/api/users/11", json=body, headers=headers).status_code == 400


def test_allowlist_settings_and_allowing_an_unknown_id(traffic):
    client = signed_in(traffic)
    token = csrf_from(client.get("/admin/users").text)
    client.post("/admin/users/settings", data={"csrf_token": token, "allowlist": "on",
                                               "default_daily_messages": "100"})
    client.post("/admin/users/allow", data={"csrf_token": token, "user_id": "424242"})
    with traffic.session() as s:
        assert policy.allowlist_enabled(s)
        assert policy.check_access(s, 424242).allowed
        assert policy.check_access(s, 11).reason is AccessReason.NOT_ALLOWED
    assert "424242" in client.get("/admin/users?status=allowed").text


def test_personas_crud(sqlite_db):
    client = signed_in(sqlite_db)
    token = csrf_from(client.get("/admin/personas").text)
    client.post("/admin/personas", data={"csrf_token": token, "name": "Poet",
                                         "system_prompt": "Rhyme.", "enabled": "on",
                                         "sort_order": "1"})
    duplicate = client.post("/admin/personas", data={"csrf_token": token, "name": "poet",
                                                     "system_prompt": "x"})
    assert duplicate.status_code == 400
    created = client.post("/admin/api/personas", json={"name": "Coder", "system_prompt": "Code.",
                                                       "sort_order": 0},
                          headers={"x-csrf-token": token})
    assert created.status_code == 201
    with sqlite_db.session() as s:
        assert [p.name for p in policy.list_personas(s)] == ["Coder", "Poet"]
    poet = next(p for p in client.get("/admin/api/personas").json() if p["name"] == "Poet")
    assert client.get(f"/admin/personas/{poet['id']}").status_code == 200
    client.post(f"/admin/personas/{poet['id']}", data={"csrf_token": token, "name": "Poet",
                                                       "system_prompt": "Rhyme!",
                                                       "sort_order": "5"})
    with sqlite_db.session() as s:
        assert [p.name for p in policy.list_personas(s)] == ["Coder"]  # Poet now disabled
    client.post(f"/admin/personas/{poet['id']}/delete", data={"csrf_token": token})
    assert len(client.get("/admin/api/personas").json()) == 1


def test_viewers_cannot_change_anything(sqlite_db):
    client = signed_in(sqlite_db, role="viewer")
    token = csrf_from(client.get("/admin/users").text)
    response = client.post("/admin/users/5/ban", data={"csrf_token": token})
    assert response.status_code == 403
    assert client.post("/admin/prices", data={"csrf_token": token}).status_code == 403
    with sqlite_db.session() as s:
        assert policy.check_access(s, 5).allowed


def test_logout_ends_the_session(sqlite_db):
    client = signed_in(sqlite_db)
    token = csrf_from(client.get("/admin/").text)
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/api/overview").status_code == 401


def test_prices_are_saved_and_used(traffic):
    client = signed_in(traffic)
    token = csrf_from(client.get("/admin/").text)
    client.post("/admin/prices", data={"csrf_token": token, "input_per_mtok": "1000000",
                                       "output_per_mtok": "0", "cached_per_mtok": "0"})
    data = client.get("/admin/api/overview").json()
    assert data["prices"]["input_per_mtok"] == 1_000_000
    assert data["overview"]["tokens"]["cost"] == pytest.approx(100 - 20)
    assert client.post("/admin/prices", data={"csrf_token": token,
                                              "input_per_mtok": "-1"}).status_code == 400
