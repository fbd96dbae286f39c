"""The bot's profile: commands per scope and language, name and descriptions."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.protocol import bad_request

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
TEXT_LIMITS = {"name": 64, "description": 512, "short_description": 120}


def language_code(value: str | None) -> str:
    """Validate a two-letter ISO 639-1 code; empty means the fallback for everyone."""
    code = (value or "").strip()
    if code and not _LANGUAGE.match(code):
        raise bad_request("invalid language code specified")
    return code


def scope_key(scope: Any) -> str:
    """Validate a BotCommandScope and return a canonical key for it."""
    if scope in (None, ""):
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    fields = _SCOPES[scope["type"]]
    if any(scope.get(name) in (None, "") for name in fields):
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps({"type": scope["type"], **{k: scope[k] for k in fields}}, sort_keys=True)


def commands_list(commands: Any) -> list[dict[str, str]]:
    """Validate a list of BotCommand as Telegram does."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", ""))
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description must be non-empty")
        result.append({"command": command, "description": description})
    return result


class BotProfile:
    """What setMyCommands, setMyName and setMy(Short)Description stored."""

    def __init__(self) -> None:
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.texts: dict[tuple[str, str], str] = {}

    def set_commands(self, scope: str, language: str, commands: list[dict[str, str]]) -> None:
        """Store (or, when empty, delete) the commands of a scope and language."""
        if commands:
            self.commands[(scope, language)] = commands
        else:
            self.commands.pop((scope, language), None)

    def get_commands(self, scope: str, language: str) -> list[dict[str, str]]:
        """Return the commands stored for exactly this scope and language."""
        return self.commands.get((scope, language), [])

    def set_text(self, kind: str, language: str, value: str) -> None:
        """Store a name or description; too long values are refused."""
        if len(value) > TEXT_LIMITS[kind]:
            raise bad_request(f"bot {kind.replace('_', ' ')} is too long")
        self.texts[(kind, language)] = value

    def get_text(self, kind: str, language: str) -> str:
        """Return a name or description, falling back to the default language."""
        return self.texts.get((kind, language)) or self.texts.get((kind, ""), "")

    def to_json(self) -> dict[str, Any]:
        """Describe everything stored, for the JSON API."""
        return {
            "commands": [
                {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
                for (scope, lang), cmds in self.commands.items()
            ],
            "texts": [
                {"kind": kind, "language_code": lang, "value": value}
                for (kind, lang), value in self.texts.items()
            ],
        }

    def reset(self) -> None:
        """Forget everything."""
        self.commands.clear()
        self.texts.clear()
