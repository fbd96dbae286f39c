"""The bot's commands: what each one answers and which effect it asks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

Gettext = Callable[[str], str]


class Effect(Enum):
    """A change a command asks the pipeline to make."""

    NONE = "none"
    NEW_CONVERSATION = "new_conversation"


@dataclass(frozen=True)
class CommandReply:
    """The text to send back and the effect to apply."""

    text: str
    effect: Effect = Effect.NONE


COMMANDS: dict[str, str] = {
    "start": "Start talking to the bot",
    "help": "What this bot can do",
    "new": "Start a new conversation",
}


def parse_command(text: str) -> tuple[str, str]:
    """Split '/name args' into ('name', 'args')."""
    head, _, rest = text.strip().partition(" ")
    return head.lstrip("/").lower(), rest.strip()


def help_text(_: Gettext) -> str:
    """The /help text listing the commands."""
    lines = [_("I answer your messages with a language model. Just write to me.")]
    lines += [f"/{name} — {_(description)}" for name, description in COMMANDS.items()]
    return "\n".join(lines)


def run_command(text: str, *, first_name: str | None, gettext: Gettext = str) -> CommandReply:
    """Answer a command message."""
    name, _args = parse_command(text)
    _ = gettext
    if name == "start":
        greeting = _("Hello, {name}!").format(name=first_name or _("there"))
        return CommandReply(f"{greeting}\n\n{help_text(_)}", Effect.NEW_CONVERSATION)
    if name == "new":
        return CommandReply(_("Started a new conversation."), Effect.NEW_CONVERSATION)
    if name == "help":
        return CommandReply(help_text(_))
    return CommandReply(_("Unknown command /{name}.").format(name=name) + "\n\n" + help_text(_))
