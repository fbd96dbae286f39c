"""The functions behind `parley admin create-user | stats | seed`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from admin import cli
from admin.auth import login
from core.storage.models import Message, User


def test_create_user_then_reset_password(admin_db):
    assert "Created" in cli.create_user(admin_db, "ops", "first password!", "admin")
    assert "Updated" in cli.create_user(admin_db, "ops", "second password!", "viewer")
    with admin_db.session() as s:
        assert login(s, "ops", "second password!", "127.0.0.1").token
    with pytest.raises(ValueError):
        cli.create_user(admin_db, "ops", "short", "admin")


def test_seed_and_stats(admin_db, capsys):
    added = cli.seed(admin_db, messages=400, users=20)
    with admin_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == added >= 400
        assert s.scalar(select(func.count()).select_from(User)) == 20
    assert "Seeding" in capsys.readouterr().err  # the progress bar
    cli.seed(admin_db, messages=10, users=2)  # seeding twice appends (no id clashes)
    text = cli.stats(admin_db)
    for label in ("Active users", "Messages / replies", "Error rate", "TTFT p50 / p95",
                  "Latency p50 / p95", "Tokens in / out / cached", "Top languages"):
        assert label in text
