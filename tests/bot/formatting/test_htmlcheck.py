"""The test-side Telegram HTML checker accepts what Telegram accepts and nothing else."""

from __future__ import annotations

import pytest

from tests.bot.formatting.htmlcheck import char_contexts, telegram_html_errors, visible_text


@pytest.mark.parametrize(
    "html",
    [
        "plain",
        "<b>b</b> <i>i</i> <s>s</s> <code>c</code> &lt;&gt;&amp;&quot; &#128512; &#x1F600;",
        '<pre><code class="language-py">x &lt; 1</code></pre>',
        '<blockquote>q <a href="https://x.y/?a=1&amp;b=2">l</a></blockquote>',
    ],
)
def test_accepts_valid(html: str) -> None:
    assert telegram_html_errors(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<b>unclosed",
        "<b><i>crossed</b></i>",
        "<div>no</div>",
        "a < b",
        "a > b",
        "AT&T",
        "&nbsp;",
        '<a href="javascript:alert(1)">x</a>',
        "<pre><b>x</b></pre>",
        "<code><i>x</i></code>",
        '<a href="https://a"><a href="https://b">x</a></a>',
        "<blockquote><blockquote>x</blockquote></blockquote>",
        '<code class="language-py">inline</code>',
        "<b><pre>x</pre></b>",
        "<!-- c -->",
        "</b>",
    ],
)
def test_rejects_invalid(html: str) -> None:
    assert telegram_html_errors(html)


def test_visible_text_and_contexts() -> None:
    html = "a<b>&lt;</b>"
    assert visible_text(html) == "a<"
    assert char_contexts(html) == [("a", ()), ("<", ("<b>",))]
