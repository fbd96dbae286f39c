"""Hypothesis strategies for multilingual Markdown answers such as an LLM writes."""

from __future__ import annotations

from hypothesis import strategies as st

LATIN = ["hello", "world", "naïve", "café", "Straße", "über", "e\u0301te\u0301", "a\u0308\u0323"]
CYRILLIC = ["привет", "мир", "Ёжик", "съешь", "щи", "й"]
ARABIC = ["مرحبا", "بالعالم", "سلام", "دنیا", "שלום", "עולם", "كِتَابٌ"]
INDIC = ["नमस्ते", "क्षत्रिय", "ज्ञान", "श्रीमान", "হ্যালো", "স্তর", "வணக்கம்", "க்ஷ", "ਸਤਿ", "ಕನ್ನಡ"]
EMOJI = ["👨‍👩‍👧‍👦", "🇺🇦", "🇯🇵", "👍🏽", "👩🏽‍💻", "🏳️‍🌈", "❤️", "🧑‍🤝‍🧑", "1️⃣"]
TRICKY = ["<b>", "</i>", "a<b", "x > y", "&amp;", "AT&T", "&lt;", "*", "_", "`", "**", "\\", '"q"']
CJK_CHARS = "漢字中文日本語한국어かなカナ的是了不在"
THAI_CHARS = "ภาษาไทยสวัสดีครับกรุงเทพฯ"
ENDERS = [". ", "! ", "? ", "。", "！", "？", "। ", "॥ ", "۔ ", "؟ ", "። ", "ฯ ", "… "]

word = st.sampled_from(LATIN + CYRILLIC + ARABIC + INDIC + EMOJI + TRICKY)
cjk_run = st.text(alphabet=CJK_CHARS, min_size=1, max_size=120)
thai_run = st.text(alphabet=THAI_CHARS, min_size=1, max_size=80)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    """A sentence in some script, ended the way that script ends sentences."""
    kind = draw(st.sampled_from(["words", "cjk", "thai"]))
    if kind == "words":
        body = " ".join(draw(st.lists(word, min_size=1, max_size=14)))
    elif kind == "cjk":
        body = draw(cjk_run)
    else:
        body = " ".join(draw(st.lists(thai_run, min_size=1, max_size=3)))
    return body + draw(st.sampled_from(ENDERS))


paragraph = st.lists(sentence(), min_size=1, max_size=8).map("".join)
long_unspaced = st.builds(lambda run, n: run * n, cjk_run, st.integers(1, 8))


@st.composite
def code_fence(draw: st.DrawFn) -> str:
    """A fenced code block, sometimes long, sometimes with indentation."""
    language = draw(st.sampled_from(["", "python", "js", "c++", "bash"]))
    lines = draw(
        st.lists(
            st.sampled_from(
                [
                    "x = 1 < 2 && y",
                    "    return a",
                    "",
                    "for i in l:",
                    "print('привет 世界')",
                    "# <b>not html</b>",
                ]
            ),
            min_size=1,
            max_size=30,
        )
    )
    return f"```{language}\n" + "\n".join(lines) + "\n```"


@st.composite
def bullet_list(draw: st.DrawFn) -> str:
    """A list, possibly ordered, with nested items."""
    items = draw(st.lists(sentence(), min_size=1, max_size=5))
    marker = draw(st.sampled_from(["- ", "* ", "1. "]))
    lines = []
    for item in items:
        lines.append(marker + item.strip())
        if draw(st.booleans()):
            lines.append("   - " + draw(sentence()).strip())
    return "\n".join(lines)


def _table(cells: list[str]) -> str:
    """Build a two-column Markdown table from cell texts."""
    header = "| a | b |\n|---|---|\n"
    return header + "".join(f"| {cell.strip()} | {len(cell)} |\n" for cell in cells)


block = st.one_of(
    paragraph,
    long_unspaced,
    code_fence(),
    bullet_list(),
    paragraph.map(lambda text: "## " + text.replace("\n", " ")),
    paragraph.map(lambda text: "> " + text),
    st.lists(word, min_size=1, max_size=4).map(_table),
    st.just("---"),
    st.builds(lambda a, b: f"**{a}** _{b}_ `{a}` [link](https://example.com/{b})", word, word),
)
markdown_answer = st.lists(block, min_size=1, max_size=10).map("\n\n".join)
