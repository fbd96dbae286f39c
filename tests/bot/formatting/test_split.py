"""Unit tests for split_html and split_plain: limits, preferred boundaries, tags, graphemes."""

from __future__ import annotations

import pytest

from bot.formatting import markdown_to_telegram_html, split_html, split_plain
from tests.bot.formatting.htmlcheck import assert_valid, visible_text
from tests.bot.formatting.seams import align_html, align_plain


def split_checked(html: str, limit: int) -> list[str]:
    """Split and check validity, length and the seam contract."""
    parts = split_html(html, limit)
    for part in parts:
        assert_valid(part)
        assert len(visible_text(part)) <= limit
        assert visible_text(part).strip()
    align_html(html, parts)
    return parts


def visible(parts: list[str]) -> list[str]:
    """Visible text of each part."""
    return [visible_text(part) for part in parts]


def test_short_message_is_one_part() -> None:
    html = "<b>short</b> &lt;ok&gt;"
    assert split_html(html) == [html]
    assert split_html("x" * 4096) == ["x" * 4096]
    assert len(split_html("x" * 4097)) == 2


def test_empty_and_blank_messages_have_no_parts() -> None:
    assert split_html("") == []
    assert split_html(" \n\n ") == []
    assert split_plain("\n") == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_html("x", 0)
    with pytest.raises(ValueError, match="limit"):
        split_plain("x", -1)


def test_prefers_code_block_boundary() -> None:
    html = markdown_to_telegram_html("Intro line.\n\n```py\nx = 1\ny = 2\n```\n\nOutro text here.")
    parts = split_checked(html, 20)
    assert parts == [
        "Intro line.",
        '<pre><code class="language-py">x = 1\ny = 2</code></pre>',
        "Outro text here.",
    ]


def test_long_code_block_is_closed_and_reopened_with_language() -> None:
    code = "\n".join(f"line_{n} = {n} < {n + 1}" for n in range(10))
    html = markdown_to_telegram_html(f"```python\n{code}\n```")
    parts = split_checked(html, 60)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith('<pre><code class="language-python">')
        assert part.endswith("</code></pre>")
    assert "\n".join(visible(parts)) == code


def test_paragraph_preferred_over_line_and_sentence() -> None:
    text = "One. Two.\nThree four five.\n\nSix seven. Eight."
    assert split_checked(text, 30) == ["One. Two.\nThree four five.", "Six seven. Eight."]


def test_line_preferred_over_sentence() -> None:
    text = "Alpha beta. Gamma\ndelta epsilon. Zeta eta"
    assert split_checked(text, 25) == ["Alpha beta. Gamma", "delta epsilon. Zeta eta"]


def test_early_paragraph_break_loses_to_fuller_line_break() -> None:
    text = "aa\n\nbbbbbbbbbbbbbb\ncccccccccc"
    assert split_checked(text, 20) == ["aa\n\nbbbbbbbbbbbbbb", "cccccccccc"]


@pytest.mark.parametrize(
    "ender", [". ", "! ", "? ", "。", "！", "？", "। ", "॥", "۔ ", "؟", "። ", "ฯ"]
)
def test_sentence_enders_of_many_scripts(ender: str) -> None:
    first, second = "一二三四五六七八" + ender.strip(), "九十一二三四五六七八"
    text = first + (" " if ender.endswith(" ") else "") + second
    assert split_plain(text, 14) == [first, second]


def test_ascii_period_without_space_is_not_a_sentence_end() -> None:
    assert split_plain("pi is 3.14159 ok", 10) == ["pi is", "3.14159 ok"]


def test_sentence_end_keeps_closing_quote() -> None:
    parts = split_plain('He said "stop." Then left quickly', 20)
    assert parts == ['He said "stop."', "Then left quickly"]


def test_thai_phrase_space_beats_word_space() -> None:
    text = "abcdefgh ภาษาไทย สวัสดีครับ x y"
    assert split_plain(text, 28) == ["abcdefgh ภาษาไทย", "สวัสดีครับ x y"]


def test_word_boundaries() -> None:
    parts = split_plain("alpha beta gamma delta epsilon", 12)
    assert parts == ["alpha beta", "gamma delta", "epsilon"]
    align_plain("alpha beta gamma delta epsilon", parts)


@pytest.mark.parametrize(
    ("cluster", "limit"),
    [
        ("👨‍👩‍👧‍👦", 10),
        ("🇺🇦", 5),
        ("👍🏽", 5),
        ("e\u0301\u0323", 4),
        ("क्षि", 6),
        ("漢", 3),
        ("ก", 2),
    ],
)
def test_grapheme_clusters_are_never_split(cluster: str, limit: int) -> None:
    text = cluster * 9
    parts = split_plain(text, limit)
    assert "".join(parts) == text
    for part in parts:
        assert len(part) <= limit
        assert part == cluster * (len(part) // len(cluster))


def test_a_cluster_longer_than_the_limit_is_cut_as_last_resort() -> None:
    zalgo = "a" + "\u0301" * 9
    assert split_plain(zalgo, 4) == ["a\u0301\u0301\u0301", "\u0301" * 4, "\u0301\u0301"]


def test_entities_are_never_split() -> None:
    parts = split_checked("&lt;&amp;&gt;" * 5, 4)
    assert parts[0] == "&lt;&amp;&gt;&lt;"
    assert "".join(visible(parts)) == "<&>" * 5


def test_inline_tags_are_closed_and_reopened() -> None:
    link = '<a href="https://e.com/?a=1&amp;b=2">'
    html = f"<b>bold <i>words</i> here</b> and {link}a long link text</a>"
    parts = split_checked(html, 12)
    assert parts[0] == "<b>bold <i>words</i></b>"
    assert parts[1] == f"<b>here</b> and {link}a</a>"
    assert parts[2:] == [f"{link}long link</a>", f"{link}text</a>"]


def test_blockquote_is_reopened() -> None:
    html = "<blockquote>first sentence here. second sentence here.</blockquote>"
    assert split_checked(html, 30) == [
        "<blockquote>first sentence here.</blockquote>",
        "<blockquote>second sentence here.</blockquote>",
    ]


def test_no_empty_tags_left_at_seams() -> None:
    html = "<b>aaaa</b>\n\n<i>\n\nbbbb</i>"
    assert split_checked(html, 5) == ["<b>aaaa</b>", "<i>bbbb</i>"]


def test_seam_whitespace_is_what_is_dropped() -> None:
    html = markdown_to_telegram_html("First paragraph here.\n\nSecond paragraph here.")
    parts = split_checked(html, 25)
    assert align_html(html, parts).dropped == ["", "\n\n", ""]


def test_default_limit_is_telegrams() -> None:
    text = ("word " * 2000).strip()
    parts = split_plain(text)
    assert [len(p) for p in parts][:2] == [4094, 4094]
    assert all(len(p) <= 4096 for p in parts)
