"""strip_reasoning and render_partial: what the user sees while an answer streams in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.formatting import markdown_to_telegram_html, render_partial, strip_reasoning
from tests.bot.formatting.htmlcheck import assert_valid, visible_text
from tests.bot.formatting.profiles import PROFILE
from tests.bot.formatting.strategies import markdown_answer

SAMPLE_ANSWER = """<think>The user wants a <b>comparison</b>; recall ```code``` rules.</think>

# Сравнение / 比较

Here is **bold with `code` inside**, _italic_, ~~old~~ and a [link](https://example.com/?q=1&r=2).
Text with a < b & c > d, stray * and _ and an unbalanced ` backtick.

1. First — नमस्ते दुनिया। यह ठीक है॥
2. Second: 中文句子。第二句！
   - nested 👨‍👩‍👧‍👦 🇺🇦 👍🏽
   - مرحبا بالعالم؟ سلام۔

> Quote with **bold**
> and a second line

| lang | greeting |
|------|----------|
| th   | สวัสดีครับ |
| ja   | こんにちは |

```python
def greet(name: str) -> str:
    return f"<hello {name}>" if name else "&"
```

---

Done ✅. ![diagram](https://example.com/d.png)
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>secret</think>Answer", "Answer"),
        ("A <THINK>x</Think> B", "A  B"),
        ("<think>one</think>a<think>two</think>b", "ab"),
        ("Answer so far <think>still thinking", "Answer so far "),
        ("<think>unterminated", ""),
        ("reasoning without opener</think>\n\nAnswer", "\n\nAnswer"),
        ("<think>a\nmulti\nline</think>\n# Title", "\n# Title"),
        ("no reasoning here", "no reasoning here"),
    ],
)
def test_strip_reasoning(text: str, expected: str) -> None:
    assert strip_reasoning(text) == expected


def test_sample_answer_hides_reasoning() -> None:
    html = render_partial(SAMPLE_ANSWER)
    assert "comparison" not in html
    assert html == markdown_to_telegram_html(strip_reasoning(SAMPLE_ANSWER))


def test_every_prefix_of_sample_answer_renders_valid_html() -> None:
    for end in range(len(SAMPLE_ANSWER) + 1):
        html = render_partial(SAMPLE_ANSWER[:end])
        assert_valid(html)
        assert "comparison" not in html, end
        assert "think" not in visible_text(html).lower(), end


def test_partial_open_fence_is_closed() -> None:
    html = render_partial("Intro\n\n```py\nx = 1\ny = <2")
    assert html == 'Intro\n\n<pre><code class="language-py">x = 1\ny = &lt;2</code></pre>'


@pytest.mark.parametrize("tail", ["<", "<t", "<th", "<thi", "<thin", "<think"])
def test_partial_think_tag_is_held_back(tail: str) -> None:
    html = render_partial("Answer " + tail)
    assert visible_text(html) == ("Answer <" if tail == "<" else "Answer")


@PROFILE
@given(markdown_answer, st.data())
def test_random_prefixes_render_valid_html(answer: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(answer)), min_size=1, max_size=8))
    for cut in cuts:
        assert_valid(render_partial(answer[:cut]))
