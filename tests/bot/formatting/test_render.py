"""Unit tests: each Markdown construct and every escaping rule of markdown_to_telegram_html."""

from __future__ import annotations

import pytest

from bot.formatting import html_to_plain, markdown_to_telegram_html
from tests.bot.formatting.htmlcheck import assert_valid, visible_text


def render(markdown: str) -> str:
    """Render and check validity."""
    html = markdown_to_telegram_html(markdown)
    assert_valid(html)
    return html


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold** __bold__", "<b>bold</b> <b>bold</b>"),
        ("*it* _it_", "<i>it</i> <i>it</i>"),
        ("~~gone~~", "<s>gone</s>"),
        ("***both***", "<i><b>both</b></i>"),
        ("`x < y`", "<code>x &lt; y</code>"),
        (
            "[site](https://example.com/a?b=1&c=2)",
            '<a href="https://example.com/a?b=1&amp;c=2">site</a>',
        ),
        ("<https://example.com>", '<a href="https://example.com">https://example.com</a>'),
        (
            "[me](mailto:a@b.c) [ch](tg://resolve?domain=x)",
            '<a href="mailto:a@b.c">me</a> <a href="tg://resolve?domain=x">ch</a>',
        ),
        ("# Title", "<b>Title</b>"),
        ("Title\n=====", "<b>Title</b>"),
        ("> quoted\n> text", "<blockquote>quoted\ntext</blockquote>"),
        ("a\n\n---\n\nb", "a\n\n──────────\n\nb"),
        ("one\n\ntwo", "one\n\ntwo"),
        ("line  \nbreak", "line\nbreak"),
        ("soft\nbreak", "soft\nbreak"),
    ],
)
def test_constructs(markdown: str, expected: str) -> None:
    assert render(markdown) == expected


def test_fenced_code_keeps_language_and_escapes() -> None:
    html = render("```python\nif a < b and c > d: x = '&'\n```")
    assert html == (
        "<pre><code class=\"language-python\">if a &lt; b and c &gt; d: x = '&amp;'</code></pre>"
    )


def test_fence_language_is_sanitised() -> None:
    html = render('```py" onclick="x\ncode\n```')
    assert html == '<pre><code class="language-py">code</code></pre>'


def test_fence_and_indented_code_without_language() -> None:
    assert render("```\nplain\n```") == "<pre>plain</pre>"
    assert render("para\n\n    indented <code>\n") == "para\n\n<pre>indented &lt;code&gt;</pre>"


def test_unclosed_fence_runs_to_the_end() -> None:
    assert render("```js\nlet a = 1;") == '<pre><code class="language-js">let a = 1;</code></pre>'


def test_lists_with_bullets_numbers_and_nesting() -> None:
    html = render("- a\n- b\n  - c\n    1. d\n\n5. five\n6. six")
    assert html == "• a\n• b\n  • c\n    1. d\n\n5. five\n6. six"


def test_code_in_list_is_not_indented() -> None:
    html = render("- item\n\n  ```sh\n  ls -l\n  ```\n- next")
    assert html == '• item\n<pre><code class="language-sh">ls -l</code></pre>\n• next'


def test_table_becomes_aligned_pre() -> None:
    html = render("| name | 值 |\n|---|--:|\n| *a* | 漢字 |\n| long name | 1 |")
    assert html == ("<pre>name      | 值\n----------+-----\na         | 漢字\nlong name | 1</pre>")


def test_image_becomes_link() -> None:
    assert render("![a cat](https://x.org/cat.png)") == '<a href="https://x.org/cat.png">a cat</a>'
    assert render("![](https://x.org/c.png)") == '<a href="https://x.org/c.png">image</a>'


@pytest.mark.parametrize(
    "markdown",
    ["[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](/relative)", "[x](ftp://h/f)"],
)
def test_disallowed_links_render_as_text(markdown: str) -> None:
    html = render(markdown)
    assert "<a" not in html
    assert "x" in visible_text(html)


def test_link_attribute_quotes_are_escaped() -> None:
    html = render('[x](<https://e.com/"onmouseover="y>)')
    assert '"onmouseover' not in html
    assert html.startswith('<a href="https://e.com/')


def test_nested_quote_is_flattened() -> None:
    assert render("> a\n> > b") == "<blockquote>a\n\nb</blockquote>"


def test_image_inside_link_does_not_nest_links() -> None:
    assert render("[![alt](https://i/p.png)](https://t)") == '<a href="https://t">alt</a>'


def test_empty_link_text_shows_url() -> None:
    assert render("[](https://e.com)") == '<a href="https://e.com">https://e.com</a>'


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("AT&T &copy; &#169; &bogus;", "AT&amp;T © © &amp;bogus;"),
        ("<b>not bold</b>", "&lt;b&gt;not bold&lt;/b&gt;"),
        ("<div>\nblock\n</div>", "&lt;div&gt;\nblock\n&lt;/div&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<!-- hidden -->", "&lt;!-- hidden --&gt;"),
        ("2 * 3 * 4 and a_b_c", "2 * 3 * 4 and a_b_c"),
        ("*stray and _open", "*stray and _open"),
        ("``unbalanced `tick", "``unbalanced `tick"),
        ('He said "hi" & left', 'He said "hi" &amp; left'),
        ("\\*escaped\\*", "*escaped*"),
    ],
)
def test_escaping(markdown: str, expected: str) -> None:
    assert render(markdown) == expected


def test_multilingual_text_passes_through() -> None:
    text = "Привет, 世界! مرحبا بالعالم नमस्ते 👨‍👩‍👧‍👦 🇺🇦 สวัสดี"
    assert render(text) == text


def test_empty_input() -> None:
    assert markdown_to_telegram_html("") == ""
    assert markdown_to_telegram_html("   \n\n ") == ""


def test_html_to_plain_decodes_entities_and_drops_tags() -> None:
    html = render("**a** `<b>` & [l](https://x)\n\n```py\nx\n```")
    assert html_to_plain(html) == "a <b> & l\n\nx"
