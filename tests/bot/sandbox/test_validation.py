"""The text rules: HTML, MarkdownV2 and Markdown parsing, lengths and Telegram's error strings."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.protocol import ApiError
from bot.sandbox.validation import (
    EntityParseError,
    FormattedText,
    draft_text,
    message_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)


def bold(offset: int, length: int) -> dict[str, object]:
    return {"type": "bold", "offset": offset, "length": length}


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>a</b><strong>b</strong>", "ab", [bold(0, 1), bold(1, 1)]),
        ("<i>x</i><em>y</em>", "xy", [{"type": "italic", "offset": 0, "length": 1},
                                      {"type": "italic", "offset": 1, "length": 1}]),
        ("<u>x</u><ins>y</ins>", "xy", [{"type": "underline", "offset": 0, "length": 1},
                                        {"type": "underline", "offset": 1, "length": 1}]),
        ("<s>1</s><strike>2</strike><del>3</del>", "123",
         [{"type": "strikethrough", "offset": i, "length": 1} for i in range(3)]),
        ('<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>', "ab",
         [{"type": "spoiler", "offset": 0, "length": 1},
          {"type": "spoiler", "offset": 1, "length": 1}]),
        ('<a href="https://e.org/?a=1&amp;b=2">l</a>', "l",
         [{"type": "text_link", "offset": 0, "length": 1, "url": "https://e.org/?a=1&b=2"}]),
        ("<code>x</code>", "x", [{"type": "code", "offset": 0, "length": 1}]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1",
         [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]),
        ("<blockquote>q</blockquote>", "q", [{"type": "blockquote", "offset": 0, "length": 1}]),
        ("<blockquote expandable>q</blockquote>", "q",
         [{"type": "expandable_blockquote", "offset": 0, "length": 1}]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍",
         [{"type": "custom_emoji", "offset": 0, "length": 2,
           "custom_emoji_id": "5368324170671202286"}]),
        ("<B>x</B>", "x", [bold(0, 1)]),
        ("<b>😀<i>x</i></b>", "😀x", [bold(0, 3), {"type": "italic", "offset": 2, "length": 1}]),
        ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
        ("AT&T &nbsp; a > b", "AT&T &nbsp; a > b", []),
        ("<b></b>x", "x", []),
    ],
)
def test_html_supported_tags_and_entities(
    source: str, text: str, entities: list[dict[str, object]]
) -> None:
    assert parse_html(source) == FormattedText(text, entities)


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("é€<p>", 'Unsupported start tag "p" at byte offset 5'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="x">a</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>",
         'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
    ],
)
def test_html_errors_carry_telegrams_detail(source: str, detail: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == detail


def test_html_error_becomes_a_bad_request_with_the_prefix() -> None:
    with pytest.raises(ApiError) as caught:
        message_text("<foo>", "HTML")
    assert caught.value.error_code == 400
    assert caught.value.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'
    )


@given(st.text(min_size=1))
def test_html_accepts_whatever_html_escape_produces(text: str) -> None:
    for quote in (True, False):
        assert parse_html(html.escape(text, quote=quote)) == FormattedText(text, [])


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<>&"), min_size=1))
def test_html_bold_wrapping_gives_one_entity_over_the_utf16_length(text: str) -> None:
    parsed = parse_html(f"<b>{text}</b>")
    assert parsed.text == text
    assert parsed.entities == [bold(0, utf16_len(text))]


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("Hello\\.", "Hello.", []),
        ("*b* _i_ __u__ ~s~ ||p||", "b i u s p",
         [bold(0, 1), {"type": "italic", "offset": 2, "length": 1},
          {"type": "underline", "offset": 4, "length": 1},
          {"type": "strikethrough", "offset": 6, "length": 1},
          {"type": "spoiler", "offset": 8, "length": 1}]),
        ("`a.b`", "a.b", [{"type": "code", "offset": 0, "length": 3}]),
        ("```py\nx = 1.0\n```", "x = 1.0\n",
         [{"type": "pre", "offset": 0, "length": 8, "language": "py"}]),
        ("[t](https://e.org/a\\)b)", "t",
         [{"type": "text_link", "offset": 0, "length": 1, "url": "https://e.org/a)b"}]),
        ("*bold _both_*", "bold both",
         [bold(0, 9), {"type": "italic", "offset": 5, "length": 4}]),
        (">quoted\nplain", "quoted\nplain", [{"type": "blockquote", "offset": 0, "length": 6}]),
    ],
)
def test_markdown_v2_entities(
    source: str, text: str, entities: list[dict[str, object]]
) -> None:
    assert parse_markdown_v2(source) == FormattedText(text, entities)


@pytest.mark.parametrize("char", list("]()>#+-=|{}.!"))
def test_markdown_v2_reserved_characters_must_be_escaped(char: str) -> None:
    with pytest.raises(ApiError) as caught:
        message_text(f"a{char}b", "MarkdownV2")
    assert caught.value.description == (
        "Bad Request: can't parse entities: "
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )
    assert parse_markdown_v2(f"a\\{char}b").text == f"a{char}b"


@pytest.mark.parametrize(
    ("char", "name"),
    [("*", "Bold"), ("_", "Italic"), ("__", "Underline"), ("~", "Strikethrough"),
     ("||", "Spoiler"), ("`", "Code"), ("```", "Pre"), ("[", "TextUrl")],
)
def test_markdown_v2_unclosed_entities(char: str, name: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2(f"ok {char}text")
    assert str(caught.value) == f"Can't find end of {name} entity at byte offset 3"
    assert parse_markdown_v2("ok " + "".join("\\" + c for c in char) + "text").text == (
        f"ok {char}text"
    )


def test_markdown_v2_unclosed_entity_reports_its_byte_offset() -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2("é *bold")
    assert str(caught.value) == "Can't find end of Bold entity at byte offset 3"


def test_legacy_markdown() -> None:
    parsed = parse_markdown("*b* _i_ `c` [l](https://e.org) 1.5!")
    assert parsed.text == "b i c l 1.5!"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(EntityParseError) as caught:
        parse_markdown("a *b")
    assert str(caught.value) == "Can't find end of the entity starting at byte offset 2"


def test_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        message_text("x", "BBCode")
    assert caught.value.description == "Bad Request: unsupported parse_mode"


@pytest.mark.parametrize("text", ["", "   \n ", "<b> </b>"])
def test_empty_text_after_parsing_is_refused(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        message_text(text, "HTML")
    assert caught.value.description == "Bad Request: message text is empty"


@given(st.integers(min_value=1, max_value=4200), st.sampled_from(["a", "é", "😀", "字"]))
def test_length_is_counted_in_characters_after_parsing(count: int, char: str) -> None:
    source = f"<b>{char * count}</b>"
    if count <= 4096:
        assert len(message_text(source, "HTML").text) == count
    else:
        with pytest.raises(ApiError) as caught:
            message_text(source, "HTML")
        assert caught.value.description == "Bad Request: message is too long"


def test_markup_does_not_count_towards_the_limit() -> None:
    assert len(message_text("<b>" + "x" * 4096 + "</b>", "HTML").text) == 4096


def test_surrounding_whitespace_is_trimmed_and_entities_shifted() -> None:
    parsed = message_text("  <b>x</b> ", "HTML")
    assert parsed == FormattedText("x", [bold(0, 1)])


def test_drafts_may_be_empty_but_not_too_long() -> None:
    assert draft_text("", None).text == ""
    with pytest.raises(ApiError) as caught:
        draft_text("x" * 4097, None)
    assert caught.value.description == "Bad Request: message is too long"


def test_raw_text_over_32_kib_is_refused_before_parsing() -> None:
    with pytest.raises(ApiError) as caught:
        message_text("<b></b>" * 5000, "HTML")
    assert caught.value.description == "Bad Request: text is too long"
