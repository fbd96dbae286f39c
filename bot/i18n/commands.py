"""Localised command lists for Telegram's setMyCommands."""

from __future__ import annotations

from bot.i18n.texts import COMMANDS
from bot.i18n.translator import translator

#: Telegram's limits for a BotCommand.
COMMAND_PATTERN = r"[a-z0-9_]{1,32}"
MAX_DESCRIPTION_LENGTH = 256


def command_descriptions(lang: str) -> list[tuple[str, str]]:
    """Return ``(command, description)`` pairs in menu order, described in ``lang``.

    Call ``setMyCommands(commands, language_code=lang)`` once per language in
    ``SUPPORTED_UI_LANGUAGES`` at deploy time, plus once without a language
    code using ``command_descriptions("en")`` as the default.
    """
    t = translator(lang)
    return [(command, t.gettext(description)) for command, description in COMMANDS]
