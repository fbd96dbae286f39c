"""Every user-facing text of the bot, declared once as a gettext message id.

The constants hold the English source text (the msgid). They are marked with
``N_``/``NP_``/``C_`` so that ``pybabel extract`` finds them (see
``bot/i18n/catalogs.py``), and are translated at run time through an explicit
:class:`bot.i18n.translator.Translator`::

    t = translator(lang)
    t.gettext(texts.START_GREETING).format(name=html.escape(first_name))
    t.ngettext(*texts.RETRY_IN_MINUTES, n=minutes).format(count=minutes)

Placeholders are always named (``{name}``) and filled *after* translation,
never with f-strings, so translators can move them. Escape user- or
model-provided values for the chosen parse mode after translating.
"""

from __future__ import annotations

from typing import NamedTuple


class Plural(NamedTuple):
    """A message with a singular and a plural English form."""

    singular: str
    plural: str


class Contextual(NamedTuple):
    """A message whose translation depends on a disambiguating context."""

    context: str
    message: str


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged."""
    return message


def NP_(singular: str, plural: str) -> Plural:
    """Mark a singular/plural pair for extraction."""
    return Plural(singular, plural)


def C_(context: str, message: str) -> Contextual:
    """Mark ``message`` with a gettext context (msgctxt) for extraction."""
    return Contextual(context, message)


# --- /start, /help --------------------------------------------------------
START_GREETING = N_(
    "Hello, {name}! I'm Parley, an AI assistant. Write to me in any language "
    "and I'll answer in the same language. Send /help to see what I can do."
)
HELP_TEXT = N_(
    "Here is what I can do:\n"
    "\n"
    "/new: start a new conversation\n"
    "/retry: answer your last message again\n"
    "/stop: stop the answer being written\n"
    "/lang: choose the language of my replies\n"
    "/mode: choose a persona\n"
    "/usage: show how much you have used me\n"
    "/forget: delete everything stored about you\n"
    "/help: show this message\n"
    "\n"
    "In groups, write /ask followed by your question, or reply to one of my messages."
)

# --- /new, /retry, /stop --------------------------------------------------
NEW_CONVERSATION = N_("Started a new conversation.")
RETRY_NOTHING = N_("Nothing to retry yet. Send me a message first.")
RETRY_STARTED = N_("Answering your last message again…")
STOP_DONE = N_("Stopped.")
STOP_NOTHING = N_("Nothing is being generated.")
BUSY_PREVIOUS = N_(
    "Please wait, I'm still answering your previous message. Send /stop to cancel it."
)

# --- /lang ---------------------------------------------------------------
LANG_PROMPT = N_("Choose the language of my replies:")
LANG_CHOICE_AUTO = N_("Automatic (same as your message)")
LANG_SET = N_("Replies will now be in {language}.")
LANG_AUTO = N_("Back to automatic language.")

# --- /forget -------------------------------------------------------------
FORGET_CONFIRM = N_(
    "Delete everything stored about you, including your conversations and settings? "
    "This cannot be undone."
)
FORGET_BUTTON_YES = N_("Yes, delete")
FORGET_BUTTON_CANCEL = N_("Cancel")
FORGET_DONE = N_("Everything stored about you has been deleted.")
FORGET_CANCELLED = N_("Cancelled. Nothing was deleted.")

# --- /mode ---------------------------------------------------------------
MODE_PROMPT = N_("Choose a persona:")
MODE_SET = N_("Persona set to {name}.")
MODE_NONE = N_("No personas are configured.")

# --- /usage --------------------------------------------------------------
# ``{period}`` is one of USAGE_PERIOD_* translated; translators may reshape the
# sentence (e.g. "{period}: …") as long as every placeholder is kept.
USAGE_SUMMARY = N_("This {period}: {messages} messages, {tokens} tokens.")
USAGE_PERIOD_WEEK = C_("usage period, as in 'This {period}'", "week")
USAGE_PERIOD_MONTH = C_("usage period, as in 'This {period}'", "month")
USAGE_TODAY = N_("Today: {messages} messages, {tokens} tokens.")
USAGE_DAILY_LIMIT = NP_(
    "Your daily limit is {count} message.",
    "Your daily limit is {count} messages.",
)

# --- /stats (admins) -----------------------------------------------------
STATS_SUMMARY = N_(
    "Statistics for today:\n"
    "Active users: {users}\n"
    "Messages: {messages}\n"
    "Tokens: {tokens}\n"
    "Queue length: {queue}"
)
STATS_ADMINS_ONLY = N_("This command is only for administrators.")

# --- groups --------------------------------------------------------------
GROUP_ASK_HINT = N_(
    "To ask me something in this group, write /ask followed by your question, "
    "or reply to one of my messages."
)

# --- errors shown to users ------------------------------------------------
ERROR_MODEL_UNAVAILABLE = N_("The model is unavailable right now. Please try again later.")
ERROR_ANSWER_FAILED = N_("Sorry, something went wrong while writing the answer. Please try again.")
ERROR_MESSAGE_TOO_LONG = N_(
    "Your message is too long (the limit is {limit} characters). Please shorten it."
)
NOTICE_CONTEXT_SHORTENED = N_("This conversation got long, so I dropped the oldest messages.")
ERROR_IMAGES_UNSUPPORTED = N_(
    "This model can't read images. Please describe what you need in text."
)
ERROR_BLOCKED = N_("You are blocked from using this bot.")
ERROR_NOT_ALLOWED = N_("You are not allowed to use this bot.")
ERROR_DAILY_QUOTA = N_("You have reached your daily limit. Please come back tomorrow.")
RETRY_IN_MINUTES = NP_(
    "Please try again in {count} minute.",
    "Please try again in {count} minutes.",
)

# --- command descriptions for setMyCommands -------------------------------
CMD_START = N_("Start the bot")
CMD_HELP = N_("Show what I can do")
CMD_NEW = N_("Start a new conversation")
CMD_RETRY = N_("Answer the last message again")
CMD_STOP = N_("Stop the current answer")
CMD_LANG = N_("Choose the reply language")
CMD_FORGET = N_("Delete everything stored about you")
CMD_MODE = N_("Choose a persona")
CMD_USAGE = N_("Show your usage")
CMD_ASK = N_("Ask a question (in groups)")

#: Bot commands in menu order, with the msgid of their description.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", CMD_START),
    ("help", CMD_HELP),
    ("new", CMD_NEW),
    ("retry", CMD_RETRY),
    ("stop", CMD_STOP),
    ("lang", CMD_LANG),
    ("forget", CMD_FORGET),
    ("mode", CMD_MODE),
    ("usage", CMD_USAGE),
    ("ask", CMD_ASK),
)
