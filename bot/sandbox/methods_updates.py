"""Bot API methods about receiving updates: getUpdates and the webhook methods."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.protocol import Answer, ApiError, Params, bad_request
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import DEFAULT_ALLOWED
from bot.sandbox.webhook import WebhookSettings

_SECRET = re.compile(r"^[A-Za-z0-9_-]*$")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED_BY_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
TERMINATED_BY_WEBHOOK = "Conflict: terminated by setWebhook request"
MAX_POLL_TIMEOUT = 50.0


def _apply_allowed_updates(sandbox: Sandbox, params: Params) -> None:
    value = params.json_value("allowed_updates", "allowed updates")
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates JSON object")
    sandbox.webhook.allowed_updates = value
    sandbox.state.allowed_updates = set(value) if value else set(DEFAULT_ALLOWED)


def _end_polls(sandbox: Sandbox) -> int:
    """Start a new getUpdates generation, terminating any poll that is waiting."""
    sandbox.poll_generation += 1
    sandbox.state.notifier.notify()
    return sandbox.poll_generation


async def get_updates(sandbox: Sandbox, params: Params) -> Any:
    """getUpdates: confirm by offset, then long-poll up to ``timeout`` seconds."""
    if sandbox.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    offset = params.integer("offset") or 0
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = min(max(params.number("timeout") or 0.0, 0.0), MAX_POLL_TIMEOUT)
    _apply_allowed_updates(sandbox, params)
    sandbox.state.drop_expired(sandbox.config.update_ttl)
    sandbox.state.confirm(offset)
    generation = _end_polls(sandbox)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    version = sandbox.state.notifier.version
    while True:
        if sandbox.poll_generation != generation:
            reason = TERMINATED_BY_WEBHOOK if sandbox.webhook.url else TERMINATED_BY_POLL
            raise ApiError(409, reason)
        updates = sandbox.state.updates[:limit]
        remaining = deadline - loop.time()
        if updates or remaining <= 0:
            return [u.payload for u in updates]
        version = await sandbox.state.notifier.wait_newer(version, remaining)


def _check_secret(secret: str | None) -> str | None:
    if not secret:
        return None
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    return secret


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: invalid webhook URL specified")
    return url


async def set_webhook(sandbox: Sandbox, params: Params) -> Any:
    """setWebhook: like a local Bot API server, plain HTTP and any port are accepted."""
    url = (params.text("url") or "").strip()
    if not url:
        return await delete_webhook(sandbox, params)
    secret = _check_secret(params.text("secret_token"))
    _check_url(url)
    max_connections = min(max(params.integer("max_connections") or 40, 1), 100)
    _apply_allowed_updates(sandbox, params)
    if params.boolean("drop_pending_updates"):
        sandbox.state.updates.clear()
    old = sandbox.webhook
    same = (old.url, old.secret_token, old.max_connections) == (url, secret, max_connections)
    sandbox.webhook = WebhookSettings(
        url=url, secret_token=secret, max_connections=max_connections,
        allowed_updates=old.allowed_updates, ip_address=params.text("ip_address"),
        last_error_date=old.last_error_date if old.url == url else None,
        last_error_message=old.last_error_message if old.url == url else None,
    )
    _end_polls(sandbox)
    return Answer(True, "Webhook is already set" if same else "Webhook was set")


async def delete_webhook(sandbox: Sandbox, params: Params) -> Any:
    """deleteWebhook: switch back to getUpdates, optionally dropping pending updates."""
    if params.boolean("drop_pending_updates"):
        sandbox.state.updates.clear()
    had_url = bool(sandbox.webhook.url)
    sandbox.webhook = WebhookSettings(allowed_updates=sandbox.webhook.allowed_updates)
    sandbox.state.changed(persistent=False)
    return Answer(True, "Webhook was deleted" if had_url else "Webhook is already deleted")


async def get_webhook_info(sandbox: Sandbox, params: Params) -> Any:
    """getWebhookInfo: url, pending count, last error and limits."""
    return sandbox.webhook.info(len(sandbox.state.updates))


HANDLERS = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
