"""The webhook over real HTTP: authentication, bad input, de-duplication, storing, enqueueing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from sqlalchemy import func, select

from bot.webhook import WEBHOOK_PATH
from core.embedded import free_port
from core.queue import QUEUE_NAME
from core.settings import Settings
from core.storage.db import Database
from core.storage.migrate import upgrade
from core.storage.models import Message
from parley.web import create_app
from tests.fixtures.inference import running_simulator
from tests.fixtures.web import serving

SECRET = "s3cret-token-for-tests_0123456789"


@pytest.fixture
def web(tmp_path: Path, redis_url: str) -> Iterator[tuple[str, Database, Redis]]:
    db_url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(db_url)
    settings = Settings(
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        WEBHOOK_SECRET=SECRET,
        DATA_DIR=str(tmp_path),
        MAX_WEBHOOK_BODY_BYTES=10_000,
        INFERENCE_URL=f"http://127.0.0.1:{free_port()}",
    )
    redis = Redis.from_url(redis_url)
    redis.delete(QUEUE_NAME)
    db = Database(db_url)
    with serving(create_app(settings, db=db, connect_telegram=False)) as url:
        yield url, db, redis
    db.dispose()


def update(
    update_id: int, text: str = "hello", chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": chat or {"id": 42, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "Ada", "language_code": "en"},
            "text": text,
        },
    }


def post(url: str, body: bytes | dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(url + WEBHOOK_PATH, content=content, headers=headers)


def stored(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Message)) or 0)


@pytest.mark.parametrize("secret", [None, "wrong-secret-0000000000", ""])
def test_wrong_or_missing_secret_is_401(
    web: tuple[str, Database, Redis], secret: str | None
) -> None:
    url, db, _ = web
    response = post(url, update(1), secret=secret)
    assert response.status_code == 401
    assert stored(db) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 400),
        (b'{"message": {}}', 400),
        (b'{"update_id": "7"}', 400),
        (b'{"update_id": -1}', 400),
        (b"x" * 20_000, 413),
    ],
)
def test_bad_bodies_get_a_short_reason(
    web: tuple[str, Database, Redis], body: bytes, status: int
) -> None:
    url, db, _ = web
    response = post(url, body)
    assert response.status_code == status
    assert response.json()["ok"] is False
    assert "Traceback" not in response.text
    assert stored(db) == 0


def test_text_message_is_stored_and_enqueued_once(web: tuple[str, Database, Redis]) -> None:
    url, db, redis = web
    first = post(url, update(10))
    again = post(url, update(10))
    assert (first.status_code, first.json()["outcome"]) == (200, "accepted")
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert stored(db) == 1
    assert redis.llen(QUEUE_NAME) == 1
    job = json.loads(redis.lindex(QUEUE_NAME, 0) or b"{}")
    assert job["headers"]["task"] == "parley.drain_chat"


@pytest.mark.parametrize(
    "payload",
    [
        {"update_id": 20, "edited_message": update(0)["message"]},
        {"update_id": 21, "channel_post": {"message_id": 1, "chat": {"id": -5, "type": "channel"}}},
        {"update_id": 22, "message": {**update(0)["message"], "text": None, "sticker": {}}},
        {"update_id": 23, "some_future_update": {"x": 1}},
        update(24, "just chatting", chat={"id": -100, "type": "supergroup", "title": "G"}),
    ],
)
def test_unhandled_updates_are_acknowledged_and_ignored(
    web: tuple[str, Database, Redis], payload: dict[str, Any]
) -> None:
    url, db, redis = web
    response = post(url, payload)
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
    assert stored(db) == 0
    assert redis.llen(QUEUE_NAME) == 0


def test_group_message_addressed_to_the_bot_is_accepted(web: tuple[str, Database, Redis]) -> None:
    url, db, _ = web
    group = {"id": -100, "type": "supergroup", "title": "G"}
    assert post(url, update(30, "/ask what is 2+2?", chat=group)).json()["outcome"] == "accepted"
    assert post(url, update(31, "@parley_sandbox_bot hi", chat=group)).json()["outcome"] == (
        "accepted"
    )
    with db.session() as s:
        texts = s.scalars(select(Message.text).order_by(Message.id)).all()
    assert texts == ["what is 2+2?", "hi"]


def test_health_and_metrics(web: tuple[str, Database, Redis]) -> None:
    url, _, _ = web
    assert httpx.get(url + "/healthz").json() == {"ok": True}
    post(url, update(40))
    metrics = httpx.get(url + "/metrics").text
    assert 'parley_updates_total{outcome="accepted",source="webhook"}' in metrics


def test_readyz_names_what_is_not_reachable(web: tuple[str, Database, Redis]) -> None:
    url, _, _ = web
    response = httpx.get(url + "/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"] == "ok"
    assert checks["inference"] != "ok"


def test_readyz_is_ready_with_every_part_up(tmp_path: Path, redis_url: str) -> None:
    db_url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(db_url)
    with running_simulator() as sim:
        settings = Settings(
            DATABASE_URL=db_url, REDIS_URL=redis_url, INFERENCE_URL=sim, DATA_DIR=str(tmp_path)
        )
        with serving(create_app(settings, connect_telegram=False)) as url:
            response = httpx.get(url + "/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"database": "ok", "redis": "ok", "inference": "ok"},
    }


def test_readyz_reports_a_rejected_api_key_as_a_configuration_error(
    tmp_path: Path, redis_url: str
) -> None:
    db_url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(db_url)
    with running_simulator(api_key="right-key") as sim:
        settings = Settings(
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            INFERENCE_URL=sim,
            INFERENCE_API_KEY="wrong-key",
            DATA_DIR=str(tmp_path),
        )
        with serving(create_app(settings, connect_telegram=False)) as url:
            response = httpx.get(url + "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["inference"].startswith("configuration error")
    assert "wrong-key" not in response.text
