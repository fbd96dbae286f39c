"""Functions the `parley admin ...` commands call: create-user, stats and seed."""

from __future__ import annotations

import getpass

from tqdm import tqdm

from admin import actions, auth, queries
from admin.formatting import compact, ms, num, pct
from admin.seed import seed_database
from admin.timerange import preset_range
from core.storage.db import Database


def create_user(db: Database, username: str, password: str, role: str = "admin") -> str:
    """Create a dashboard account (or reset its password and role); returns a confirmation.

    Raises ValueError for a bad username, a short password or an unknown role.
    """
    with db.session() as session:
        existed = auth.account_count(session)
        account = auth.create_account(session, username, password, role)
        name, created = account.username, auth.account_count(session) > existed
    verb = "Created" if created else "Updated"
    return f"{verb} admin account {name!r} with role {role}."


def prompt_password(confirm: bool = True) -> str:
    """Read a password from the terminal without echoing it (twice when confirming)."""
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat: ") != password:
        raise ValueError("the passwords do not match")
    return password


def stats(db: Database, range_key: str = "7d") -> str:
    """The overview for a preset range as plain text for a terminal (also used for /stats)."""
    rng = preset_range(range_key)
    with db.session() as session:
        data = queries.overview(session, rng, actions.load_prices(session))
        langs = queries.languages(session, rng)[:5]
    rows = [
        ("Range", rng.label),
        ("Active users", f"{num(data.active_users_day)} day · {num(data.active_users_week)} week"),
        ("Messages / replies", f"{num(data.messages)} / {num(data.replies)}"),
        ("Error rate", f"{pct(data.error_rate)} ({num(data.failed)} failed)"),
        ("TTFT p50 / p95", f"{ms(data.ttft.p50)} / {ms(data.ttft.p95)}"),
        ("Latency p50 / p95", f"{ms(data.latency.p50)} / {ms(data.latency.p95)}"),
        ("Tokens in / out / cached",
         f"{compact(data.tokens.prompt)} / {compact(data.tokens.completion)} / "
         f"{compact(data.tokens.cached)}"),
        ("Estimated cost", f"{data.tokens.cost:.2f}"),
        ("Top languages", ", ".join(f"{s.language or '?'} {num(s.messages)}" for s in langs)
         or "—"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def seed(db: Database, messages: int, users: int) -> int:
    """Fill the database with synthetic traffic, showing a progress bar; returns messages added."""
    with tqdm(total=messages, unit="msg", desc="Seeding", dynamic_ncols=True) as bar:
        return seed_database(db, messages, users, progress=bar.update)
