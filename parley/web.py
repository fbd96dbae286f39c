"""The ASGI web app: the webhook, health and readiness, metrics, the sandbox and the admin."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis import Redis
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from telegram import Bot

from bot.i18n import SUPPORTED_UI_LANGUAGES, command_descriptions
from bot.intake import ALLOWED_UPDATES, BotIdentity, IntakeResult, accept_update
from bot.polling import poll_forever
from bot.telegram import make_bot
from bot.webhook import WEBHOOK_PATH, webhook_route
from core.chat_signals import ChatSignals
from core.logging import get_logger
from core.queue import CeleryEnqueuer, Enqueuer, make_celery
from core.settings import SANDBOX_TOKEN, Settings
from core.storage.db import Database
from inference.client import InferenceClient

log = get_logger(__name__)

SANDBOX_BOT = BotIdentity(id=int(SANDBOX_TOKEN.split(":")[0]), username="parley_sandbox_bot")


class Services:
    """What the web process talks to, created once per process."""

    def __init__(self, settings: Settings, db: Database | None, enqueuer: Enqueuer | None) -> None:
        self.settings = settings
        self.db = db or Database(settings.effective_database_url)
        self.redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
        self.enqueuer = enqueuer or CeleryEnqueuer(make_celery(settings.effective_redis_url))
        self.bot_identity = SANDBOX_BOT if settings.sandbox_mode else _identity_from_token(settings)
        self.signals = ChatSignals(self.redis)

    def intake(self, update: dict[str, Any]) -> IntakeResult:
        """Run the intake for one update."""
        return accept_update(self.db, self.enqueuer, update, self.bot_identity, self.signals)


def _identity_from_token(settings: Settings) -> BotIdentity:
    bot_id = int(settings.bot_token.split(":", 1)[0]) if ":" in settings.bot_token else 0
    return BotIdentity(id=bot_id, username=None)


async def healthz(_: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"ok": True})


async def metrics(_: Request) -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def readiness(services: Services) -> dict[str, str]:
    """Check the database, Redis and the model server; 'ok' or a short reason each."""
    checks: dict[str, str] = {}

    def database() -> None:
        with services.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    for name, probe in (("database", database), ("redis", services.redis.ping)):
        try:
            await run_in_threadpool(probe)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unreachable: {type(exc).__name__}"
    client = InferenceClient(
        services.settings.effective_inference_url,
        api_key=_secret(services.settings.inference_api_key),
        model=services.settings.inference_model,
        connect_timeout=2.0,
        read_timeout=5.0,
        max_retries=0,
    )
    try:
        healthy, reason = await client.health()
        checks["inference"] = "ok" if healthy else reason
    finally:
        await client.aclose()
    return checks


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    enqueuer: Enqueuer | None = None,
    connect_telegram: bool = True,
) -> Starlette:
    """Build the web app; `connect_telegram=False` skips webhook registration and polling."""
    services = Services(settings, db, enqueuer)
    secret = settings.effective_webhook_secret()

    async def readyz(_: Request) -> Response:
        checks = await readiness(services)
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    routes: list[BaseRoute] = [
        webhook_route(
            WEBHOOK_PATH,
            secret=secret,
            max_body=settings.max_webhook_body_bytes,
            intake=services.intake,
        ),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route(
            "/", lambda _: RedirectResponse("/sandbox/" if settings.sandbox_mode else "/healthz")
        ),
    ]
    routes += _optional_mounts(settings, services)
    lifespan = partial(_lifespan, settings, services, secret, connect_telegram)
    return Starlette(routes=routes, lifespan=lifespan)


def _optional_mounts(settings: Settings, services: Services) -> list[BaseRoute]:
    from admin import create_admin_app

    mounts: list[BaseRoute] = [Mount("/admin", app=create_admin_app(services.db, settings))]
    if settings.sandbox_mode:
        from parley.sandbox_mount import sandbox_app

        mounts.append(Mount("/sandbox", app=sandbox_app(settings)))
    return mounts


@contextlib.asynccontextmanager
async def _lifespan(
    settings: Settings, services: Services, secret: str, connect: bool, _app: Starlette
) -> AsyncIterator[None]:
    """Connect the bot to Telegram: register the webhook or start long polling."""
    task = asyncio.create_task(_connect_telegram(settings, services, secret)) if connect else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        services.db.dispose()


async def _connect_telegram(settings: Settings, services: Services, secret: str) -> None:
    bot = make_bot(settings.bot_token, settings.effective_telegram_api_url)
    try:
        await _retry(bot.initialize, "telegram_initialize")
        me = await bot.get_me()
        services.bot_identity = BotIdentity(id=me.id, username=me.username)
        await _retry(lambda: register_commands(bot), "set_my_commands")
        if settings.public_url or settings.sandbox_mode:
            base = settings.public_url or f"http://127.0.0.1:{settings.port}"
            url = base.rstrip("/") + WEBHOOK_PATH
            await _retry(
                lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES),
                "set_webhook",
            )
            log.info("webhook_registered", url=url)
            return
        log.info("long_polling_started")
        await poll_forever(bot, services.intake)
    finally:
        with contextlib.suppress(Exception):
            await bot.shutdown()


async def register_commands(bot: Bot) -> None:
    """Register the command menu in every UI language (English is also the default)."""
    await bot.set_my_commands(command_descriptions("en"))
    for language in SUPPORTED_UI_LANGUAGES:
        await bot.set_my_commands(command_descriptions(language), language_code=language)


async def _retry(call: Any, what: str) -> Any:
    delay = 0.2
    while True:
        try:
            return await call()
        except Exception as exc:
            log.warning("retrying", what=what, error=type(exc).__name__, detail=str(exc)[:200])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
