"""Property tests: random multilingual answers rendered, split and checked end to end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.formatting import html_to_plain, markdown_to_telegram_html, split_html, split_plain
from tests.bot.formatting.htmlcheck import assert_valid, char_contexts, graphemes, visible_text
from tests.bot.formatting.profiles import PROFILE
from tests.bot.formatting.seams import align_html, align_plain
from tests.bot.formatting.strategies import markdown_answer

# Every limit is above the longest grapheme cluster the strategies produce (7 code points).
limits = st.sampled_from([12, 16, 24, 40, 80, 200, 1000, 4096])
unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs", "Co", "Cn"]), max_size=600)


@PROFILE
@given(markdown_answer)
def test_rendered_answers_are_valid(answer: str) -> None:
    html = markdown_to_telegram_html(answer)
    assert_valid(html)
    assert html_to_plain(html) == visible_text(html)


@PROFILE
@given(markdown_answer, limits)
def test_split_html_parts_are_valid_fit_and_lose_nothing(answer: str, limit: int) -> None:
    html = markdown_to_telegram_html(answer)
    parts = split_html(html, limit)
    for part in parts:
        assert_valid(part)
        assert visible_text(part).strip()
        assert len(visible_text(part)) <= limit
    # Content, order, formatting and grapheme boundaries: see seams.align_parts.
    alignment = align_html(html, parts)
    texts = [visible_text(part) for part in parts]
    gaps = alignment.dropped
    rebuilt = gaps[0] + "".join(t + gap for t, gap in zip(texts, gaps[1:], strict=True))
    assert rebuilt == visible_text(html)
    # The parts' own segmentations, concatenated, are the original's minus seam whitespace.
    assert [cluster for text in texts for cluster in graphemes(text)] == alignment.kept


@PROFILE
@given(markdown_answer, limits)
def test_code_blocks_are_reopened_with_their_language(answer: str, limit: int) -> None:
    html = markdown_to_telegram_html(answer)
    for part in split_html(html, limit):
        contexts = char_contexts(part)
        first_context = contexts[0][1]
        if first_context and first_context[0].startswith("<pre>"):
            assert part.startswith("".join(first_context))


@PROFILE
@given(
    st.one_of(markdown_answer.map(markdown_to_telegram_html).map(html_to_plain), unicode_text),
    limits,
)
def test_split_plain_parts_fit_and_lose_nothing(text: str, limit: int) -> None:
    parts = split_plain(text, limit)
    for part in parts:
        assert part.strip()
        assert len(part) <= limit
    alignment = align_plain(text, parts)
    assert [c for part in parts for c in graphemes(part)] == alignment.kept


@PROFILE
@given(markdown_answer)
def test_split_is_identity_when_it_fits(answer: str) -> None:
    html = markdown_to_telegram_html(answer)
    text = visible_text(html)
    # Trailing whitespace (say inside inline code at the very end) is dropped like at a seam.
    if len(text) <= 4096 and text.strip() and text == text.rstrip():
        assert split_html(html) == [html]
