"""The Bot API side driven by PTB 22.8's real Bot: methods, validation and Telegram's errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    Message,
    MessageEntity,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken

from tests.fixtures.sandbox import SandboxHandle

pytestmark = pytest.mark.anyio

NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


@pytest.fixture
def sandbox_server(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    """These tests check methods, not flood limits: switch the limits off."""
    return sandbox_factory(flood_limits_enabled=False)


async def test_initialize_calls_get_me(bot: Bot, sandbox_server: SandboxHandle) -> None:
    assert bot.username == sandbox_server.config.bot_username
    assert bot.id == 123456789, "the bot id is the number before ':' in the token"
    assert bot.bot.is_bot
    [call] = sandbox_server.calls("getMe")
    assert call["status"] == 200


async def test_wrong_token_is_unauthorized(
    sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    response = await client.post("/bot123:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=sandbox_server.bot_base_url):
            pass


async def test_unknown_method_is_not_found(
    sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    response = await client.post(sandbox_server.method_url("fooBar"))
    assert response.status_code == 404
    assert response.json() == {
        "ok": False, "error_code": 404, "description": "Not Found: method not found"
    }


async def test_method_names_are_case_insensitive_and_all_encodings_work(
    sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    sandbox_server.inject(42, "hi")
    assert (await client.get(sandbox_server.method_url("GETME"))).json()["result"]["is_bot"]
    by_query = await client.get(sandbox_server.method_url("sendmessage"),
                         params={"chat_id": 42, "text": "q"})
    by_json = await client.post(sandbox_server.method_url("SendMessage"),
                         json={"chat_id": 42, "text": "j"})
    by_form = await client.post(sandbox_server.method_url("sendMessage"),
                         data={"chat_id": "42", "text": "f"})
    by_multipart = await client.post(sandbox_server.method_url("sendMessage"),
                              data={"chat_id": "42", "text": "m"},
                              files={"unused": ("a.txt", b"x")})
    results = [r.json()["result"]["text"] for r in (by_query, by_json, by_form, by_multipart)]
    assert results == ["q", "j", "f", "m"]
    assert [c["method"] for c in sandbox_server.calls()][-4:] == ["sendMessage"] * 4


async def test_send_message_is_recorded_as_ptb_sends_it(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(42, "hello bot")
    message = await bot.send_message(42, "hello")
    assert message.from_user is not None
    assert (message.chat.id, message.text, message.from_user.id) == (42, "hello", bot.id)
    [call] = sandbox_server.calls("sendMessage")
    assert call["params"] == {"chat_id": "42", "text": "hello"}
    chat = sandbox_server.messages(42)
    assert [(m["from"], m["text"]) for m in chat["messages"]] == [
        ("user", "hello bot"), ("bot", "hello")
    ]
    assert chat["messages"][1]["message_id"] == message.message_id


async def test_html_message_is_stored_as_text_plus_entities(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(42, "hi")
    message = await bot.send_message(42, "<b>Bold</b> &amp; <i>it</i>", parse_mode=ParseMode.HTML)
    assert message.text == "Bold & it"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 4), ("italic", 7, 2)
    ]
    stored = sandbox_server.messages(42)["messages"][-1]
    assert (stored["parse_mode"], stored["source_text"]) == ("HTML", "<b>Bold</b> &amp; <i>it</i>")


async def test_explicit_entities_replace_parse_mode(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(42, "hi")
    bold = MessageEntity(MessageEntity.BOLD, 0, 4)
    message = await bot.send_message(42, "<b>x", parse_mode=ParseMode.HTML, entities=[bold])
    assert message.text == "<b>x" and message.entities == (bold,)


async def test_parse_errors_map_to_ptb_bad_request(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    with pytest.raises(BadRequest) as html_error:
        await bot.send_message(42, "<foo>x</foo>", parse_mode=ParseMode.HTML)
    assert html_error.value.message == (
        'Can\'t parse entities: unsupported start tag "foo" at byte offset 0'
    )
    with pytest.raises(BadRequest) as md_error:
        await bot.send_message(42, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
    assert md_error.value.message.startswith("Can't parse entities: character '.' is reserved")
    [html_call, md_call] = sandbox_server.calls("sendMessage")
    assert html_call["description"] == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'
    )
    assert md_call["description"] == (
        "Bad Request: can't parse entities: "
        "Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    assert sandbox_server.messages(42)["messages"][-1]["from"] == "user", "nothing was sent"


@pytest.mark.parametrize(
    ("chat_id", "text", "description"),
    [
        (999, "x", "Bad Request: chat not found"),
        (42, " ", "Bad Request: message text is empty"),
        (42, "x" * 4097, "Bad Request: message is too long"),
    ],
)
async def test_send_message_refusals(
    sandbox_server: SandboxHandle, client: httpx.AsyncClient, chat_id: int, text: str,
    description: str,
) -> None:
    sandbox_server.inject(42, "hi")
    response = await client.post(sandbox_server.method_url("sendMessage"),
                          data={"chat_id": str(chat_id), "text": text})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error_code": 400, "description": description}


async def test_reply_parameters(bot: Bot, sandbox_server: SandboxHandle) -> None:
    user_message = sandbox_server.inject(42, "question")["message_id"]
    answer = await bot.send_message(42, "answer", reply_parameters=ReplyParameters(user_message))
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "question"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(42, "x", reply_to_message_id=999)
    assert sandbox_server.messages(42)["messages"][-1]["reply_to_message_id"] == user_message


async def test_edit_message_text(bot: Bot, sandbox_server: SandboxHandle) -> None:
    user_message = sandbox_server.inject(42, "hi")["message_id"]
    sent = await bot.send_message(42, "draft 1")
    edited = await bot.edit_message_text("draft 2", chat_id=42, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "draft 2" and edited.edit_date is not None
    with pytest.raises(BadRequest) as same:
        await bot.edit_message_text("draft 2", chat_id=42, message_id=sent.message_id)
    assert same.value.message == NOT_MODIFIED
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=42, message_id=user_message)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.edit_message_text("", chat_id=42, message_id=sent.message_id)
    stored = sandbox_server.messages(42)["messages"][-1]
    assert (stored["text"], stored["edit_count"]) == ("draft 2", 1)


async def test_changing_only_the_format_is_a_modification(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    sent = await _send_after_user(bot, client, "plain")
    edited = await bot.edit_message_text(
        "<b>plain</b>", chat_id=42, message_id=sent, parse_mode=ParseMode.HTML
    )
    assert isinstance(edited, Message)
    assert [e.type for e in edited.entities] == ["bold"]


async def _send_after_user(bot: Bot, client: httpx.AsyncClient, text: str) -> int:
    (await client.post("/api/chats/42/messages", json={"text": "hi"})).raise_for_status()
    return (await bot.send_message(42, text)).message_id


async def test_delete_message(
    bot: Bot, sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    sent = await _send_after_user(bot, client, "bye")
    assert await bot.delete_message(42, sent)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(42, sent)
    assert [m["text"] for m in sandbox_server.messages(42)["messages"]] == ["hi"]


async def test_drafts_show_on_the_page_and_end_with_the_message(
    bot: Bot, sandbox_server: SandboxHandle
) -> None:
    sandbox_server.inject(42, "hi")
    assert await bot.send_message_draft(42, 7, "partial")
    assert await bot.send_message_draft(42, 7, "partial answer")
    chat = sandbox_server.messages(42)
    assert chat["draft"]["draft_id"] == 7 and chat["draft"]["text"] == "partial answer"
    assert len(chat["drafts"]) == 1
    assert await bot.send_message_draft(42, 7, "")  # an empty draft shows "Thinking..."
    await bot.send_message(42, "final answer")
    chat = sandbox_server.messages(42)
    assert chat["draft"] is None and chat["drafts"] == []
    assert [m["text"] for m in chat["messages"]] == ["hi", "final answer"]


async def test_draft_rules(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(-100, "hi", chat_type="group")
    sandbox_server.inject(42, "hi")
    with pytest.raises(BadRequest, match="Textdraft_peer_invalid"):
        await bot.send_message_draft(-100, 1, "x")
    with pytest.raises(BadRequest, match="Random_id_invalid"):
        await bot.send_message_draft(42, 0, "x")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message_draft(42, 1, "x" * 4097)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message_draft(43, 1, "x")


async def test_chat_action(bot: Bot, sandbox_server: SandboxHandle) -> None:
    sandbox_server.inject(42, "hi")
    assert await bot.send_chat_action(42, "typing")
    assert sandbox_server.messages(42)["typing"] == "typing"
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(42, "dancing")
    await bot.send_message(42, "done")
    assert sandbox_server.messages(42)["typing"] is None, "a message ends the typing status"


async def test_commands_are_stored_per_scope_and_language(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    german = [BotCommand("start", "Starten")]
    assert await bot.set_my_commands(english)
    assert await bot.set_my_commands(german, language_code="de")
    groups = BotCommandScopeAllGroupChats()
    assert await bot.set_my_commands([BotCommand("ask", "Ask")], scope=groups)
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="de")] == ["Starten"]
    assert [c.command for c in await bot.get_my_commands(scope=groups)] == ["ask"]
    assert await bot.get_my_commands(language_code="fr") == ()
    with pytest.raises(BadRequest, match="Invalid language code specified"):
        await bot.set_my_commands(english, language_code="deu")
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    profile = (await client.get("/api/profile")).json()
    assert len(profile["commands"]) == 3


async def test_descriptions_and_name(bot: Bot) -> None:
    assert await bot.set_my_description("A helpful bot", language_code="en")
    assert await bot.set_my_short_description("Helpful")
    assert await bot.set_my_name("Parley")
    assert (await bot.get_my_description(language_code="en")).description == "A helpful bot"
    assert (await bot.get_my_short_description()).short_description == "Helpful"
    assert (await bot.get_my_name(language_code="de")).name == "Parley", "falls back to default"
    with pytest.raises(BadRequest, match="Bot short description is too long"):
        await bot.set_my_short_description("x" * 121)


async def test_answer_callback_query(
    bot: Bot, sandbox_server: SandboxHandle, client: httpx.AsyncClient
) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("nope")
    message_id = await _send_after_user(bot, client, "pick one")
    pressed = await client.post("/api/chats/42/callback_queries",
                         json={"message_id": message_id, "data": "lang:de"})
    query_id = pressed.json()["callback_query_id"]
    assert await bot.answer_callback_query(query_id, text="Sprache: Deutsch")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    answers = sandbox_server.messages(42)["callback_answers"]
    assert answers[-1]["text"] == "Sprache: Deutsch"
