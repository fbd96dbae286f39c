"""The bot's commands: what each one answers and which effect it asks the pipeline for.

Commands run in the chat's order like any message, inside a database session; effects that
need the model (/retry) or Telegram are carried out by the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from sqlalchemy.orm import Session

from bot.i18n import (
    SUPPORTED_UI_LANGUAGES,
    Translator,
    lang_choices,
    language_name,
    normalize_ui_language,
    resolve_language,
    translator,
)
from bot.i18n import texts as T
from core.storage import policy, queries

Button = tuple[str, str]
"""An inline button: (label, callback data)."""


class Effect(Enum):
    """A change a command asks the pipeline to make."""

    NONE = "none"
    NEW_CONVERSATION = "new_conversation"
    RETRY = "retry"
    FORGOTTEN = "forgotten"


@dataclass(frozen=True)
class CommandContext:
    """Who sent a command, where, and in which language to answer."""

    chat_id: int
    thread_id: int
    chat_type: str
    user_id: int
    first_name: str | None
    message_id: int
    conversation_id: int
    t: Translator
    telegram_language: str | None = None
    stopped_generation: bool = False
    queue_length: int | None = None


@dataclass(frozen=True)
class CommandReply:
    """The text to send back, optional buttons, and the effect to apply."""

    text: str
    effect: Effect = Effect.NONE
    buttons: list[list[Button]] = field(default_factory=list)


def parse_command(text: str) -> tuple[str, str]:
    """Split '/name args' into ('name', 'args')."""
    head, _, rest = text.strip().partition(" ")
    return head.lstrip("/").split("@", 1)[0].lower(), rest.strip()


def run_command(session: Session, ctx: CommandContext, text: str) -> CommandReply:
    """Answer a command message."""
    name, args = parse_command(text)
    handler = _HANDLERS.get(name)
    if handler is None:
        return CommandReply(ctx.t.text(T.HELP_TEXT))
    return handler(session, ctx, args)


def _start(_s: Session, ctx: CommandContext, _a: str) -> CommandReply:
    name = ctx.first_name or "👋"
    return CommandReply(ctx.t.text(T.START_GREETING, name=name), Effect.NEW_CONVERSATION)


def _help(_s: Session, ctx: CommandContext, _a: str) -> CommandReply:
    return CommandReply(ctx.t.text(T.HELP_TEXT))


def _new(_s: Session, ctx: CommandContext, _a: str) -> CommandReply:
    return CommandReply(ctx.t.text(T.NEW_CONVERSATION), Effect.NEW_CONVERSATION)


def _retry(session: Session, ctx: CommandContext, _a: str) -> CommandReply:
    if queries.last_answered_turn(session, ctx.conversation_id, ctx.message_id) is None:
        return CommandReply(ctx.t.text(T.RETRY_NOTHING))
    return CommandReply(ctx.t.text(T.RETRY_STARTED), Effect.RETRY)


def _stop(_s: Session, ctx: CommandContext, _a: str) -> CommandReply:
    return CommandReply(ctx.t.text(T.STOP_DONE if ctx.stopped_generation else T.STOP_NOTHING))


def _lang(session: Session, ctx: CommandContext, args: str) -> CommandReply:
    choice = args.strip().lower()
    if choice == "auto":
        policy.set_user_prefs(session, ctx.user_id, ui_language=None)
        fallback = translator(resolve_language(None, ctx.telegram_language))
        return CommandReply(fallback.text(T.LANG_AUTO))
    code = normalize_ui_language(choice) if choice else None
    if code is None or code not in SUPPORTED_UI_LANGUAGES:
        rows = [[(ctx.t.text(T.LANG_CHOICE_AUTO), "lang:auto")]]
        rows += [[(label, f"lang:{code}")] for code, label in lang_choices(ctx.t.language)]
        return CommandReply(ctx.t.text(T.LANG_PROMPT), buttons=_columns(rows, 2))
    policy.set_user_prefs(session, ctx.user_id, ui_language=code)
    return CommandReply(translator(code).text(T.LANG_SET, language=language_name(code, code)))


def _forget(session: Session, ctx: CommandContext, args: str) -> CommandReply:
    answer = args.strip().lower()
    if answer == "yes":
        queries.forget_user(session, ctx.user_id)
        policy.set_user_prefs(session, ctx.user_id, ui_language=None, persona_id=None)
        return CommandReply(ctx.t.text(T.FORGET_DONE), Effect.FORGOTTEN)
    if answer == "no":
        return CommandReply(ctx.t.text(T.FORGET_CANCELLED))
    buttons = [
        [(ctx.t.text(T.FORGET_BUTTON_YES), "forget:yes")],
        [(ctx.t.text(T.FORGET_BUTTON_CANCEL), "forget:no")],
    ]
    return CommandReply(ctx.t.text(T.FORGET_CONFIRM), buttons=buttons)


def _mode(session: Session, ctx: CommandContext, args: str) -> CommandReply:
    personas = policy.list_personas(session)
    if not personas:
        return CommandReply(ctx.t.text(T.MODE_NONE))
    wanted = args.strip().lower()
    for persona in personas:
        if wanted in (str(persona.id), persona.name.lower()):
            policy.set_user_prefs(session, ctx.user_id, persona_id=persona.id)
            return CommandReply(ctx.t.text(T.MODE_SET, name=persona.name), Effect.NEW_CONVERSATION)
    rows = [[(persona.name, f"mode:{persona.id}")] for persona in personas]
    return CommandReply(ctx.t.text(T.MODE_PROMPT), buttons=rows)


def _usage(session: Session, ctx: CommandContext, _a: str) -> CommandReply:
    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    messages, tokens = queries.usage_since(session, ctx.user_id, month_start)
    period = ctx.t.text(T.USAGE_PERIOD_MONTH)
    lines = [ctx.t.text(T.USAGE_SUMMARY, period=period, messages=messages, tokens=tokens)]
    today_messages, today_tokens = queries.usage_since(session, ctx.user_id, policy.start_of_day())
    lines.append(ctx.t.text(T.USAGE_TODAY, messages=today_messages, tokens=today_tokens))
    rules = policy.get_policy(session, ctx.user_id)
    if rules is not None and rules.daily_message_quota:
        count = rules.daily_message_quota
        lines.append(ctx.t.plural(T.USAGE_DAILY_LIMIT, count, count=count))
    return CommandReply("\n".join(lines))


def _stats(session: Session, ctx: CommandContext, _a: str) -> CommandReply:
    if not policy.is_admin(session, ctx.user_id):
        return CommandReply(ctx.t.text(T.STATS_ADMINS_ONLY))
    summary = queries.today_summary(session, policy.start_of_day())
    queue = "?" if ctx.queue_length is None else str(ctx.queue_length)
    return CommandReply(ctx.t.text(T.STATS_SUMMARY, queue=queue, **summary))


def _columns(rows: list[list[Button]], per_row: int) -> list[list[Button]]:
    flat = [button for row in rows for button in row]
    head, rest = flat[:1], flat[1:]
    return [head] + [rest[i : i + per_row] for i in range(0, len(rest), per_row)]


_HANDLERS = {
    "start": _start,
    "help": _help,
    "new": _new,
    "retry": _retry,
    "stop": _stop,
    "lang": _lang,
    "forget": _forget,
    "mode": _mode,
    "usage": _usage,
    "stats": _stats,
}
