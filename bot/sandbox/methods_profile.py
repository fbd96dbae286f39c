"""Bot API methods about the bot itself: getMe, commands, name, descriptions, callbacks."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.objects import me
from bot.sandbox.profile import commands_list, language_code, scope_key
from bot.sandbox.protocol import Params, bad_request
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import CALLBACK_LIFETIME

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


async def get_me(sandbox: Sandbox, params: Params) -> Any:
    """getMe: the bot's User with its capabilities."""
    return me(sandbox.config)


def _scope_and_language(params: Params) -> tuple[str, str]:
    scope = scope_key(params.json_value("scope", "BotCommandScope"))
    return scope, language_code(params.text("language_code"))


async def set_my_commands(sandbox: Sandbox, params: Params) -> Any:
    """setMyCommands: store commands per scope and language_code."""
    commands = commands_list(params.json_value("commands"))
    scope, language = _scope_and_language(params)
    sandbox.profile.set_commands(scope, language, commands)
    sandbox.state.changed(persistent=False)
    return True


async def get_my_commands(sandbox: Sandbox, params: Params) -> Any:
    """getMyCommands: the commands of exactly this scope and language_code."""
    return sandbox.profile.get_commands(*_scope_and_language(params))


async def delete_my_commands(sandbox: Sandbox, params: Params) -> Any:
    """deleteMyCommands: forget the commands of a scope and language_code."""
    sandbox.profile.set_commands(*_scope_and_language(params), [])
    return True


def _text_setter(kind: str) -> Any:
    async def handler(sandbox: Sandbox, params: Params) -> Any:
        language = language_code(params.text("language_code"))
        sandbox.profile.set_text(kind, language, params.text(kind) or "")
        return True

    handler.__doc__ = f"setMy{kind.title().replace('_', '')}: store the bot's {kind}."
    return handler


def _text_getter(kind: str) -> Any:
    async def handler(sandbox: Sandbox, params: Params) -> Any:
        language = language_code(params.text("language_code"))
        return {kind: sandbox.profile.get_text(kind, language)}

    handler.__doc__ = f"getMy{kind.title().replace('_', '')}: the bot's {kind}."
    return handler


async def answer_callback_query(sandbox: Sandbox, params: Params) -> Any:
    """answerCallbackQuery: only for callback queries the sandbox sent and not yet answered."""
    query = sandbox.state.callbacks.get(params.text("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_INVALID)
    if time.time() - query.created > CALLBACK_LIFETIME:
        raise bad_request(QUERY_INVALID)
    text = params.text("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {"text": text, "show_alert": params.boolean("show_alert"),
                    "url": params.text("url"), "time": time.time()}
    sandbox.state.changed(persistent=False)
    return True


async def log_out(sandbox: Sandbox, params: Params) -> Any:
    """logOut and close: accepted and ignored."""
    return True


HANDLERS = {
    "getMe": get_me,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyName": _text_setter("name"),
    "getMyName": _text_getter("name"),
    "setMyDescription": _text_setter("description"),
    "getMyDescription": _text_getter("description"),
    "setMyShortDescription": _text_setter("short_description"),
    "getMyShortDescription": _text_getter("short_description"),
    "answerCallbackQuery": answer_callback_query,
    "logOut": log_out,
    "close": log_out,
}
