"""Prompt budgeting: fits the budget, keeps a stable cacheable prefix, keeps the newest turn."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.prompt import (
    DEFAULT_MARGIN,
    MESSAGE_OVERHEAD,
    PRIMING,
    PromptTooLongError,
    approx_tokens,
    build_messages,
)

SYSTEM = "You are Parley, a helpful assistant. Answer in the user's language."
texts = st.text(alphabet="abc xyz.,\nпривет日本", min_size=0, max_size=600)
budgets = st.tuples(st.integers(min_value=600, max_value=6000), st.integers(16, 400))


def conversation(turn_texts: list[str]) -> list[tuple[str, str]]:
    """Alternating user/assistant turns; with an odd count it ends on a user turn."""
    return [("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turn_texts)]


def recount(messages: list[dict[str, str]]) -> int:
    return PRIMING + sum(approx_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


@settings(max_examples=200, deadline=None)
@given(
    turns=st.lists(texts, min_size=0, max_size=30),
    newest=texts,
    budget=budgets,
    hint=st.none() | st.just("Reply in Russian."),
)
def test_plan_fits_budget_and_keeps_newest_turn(
    turns: list[str], newest: str, budget: tuple[int, int], hint: str | None
) -> None:
    context_length, max_tokens = budget
    history = conversation([*turns[: len(turns) // 2 * 2], newest])
    limit = context_length - max_tokens - DEFAULT_MARGIN
    try:
        plan = build_messages(
            SYSTEM,
            history,
            context_length=context_length,
            max_tokens=max_tokens,
            language_hint=hint,
        )
    except PromptTooLongError:
        newest_alone = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": newest + (f"\n\n{hint}" if hint else "")},
        ]
        assert recount(newest_alone) > limit
        return
    messages = plan.messages
    assert plan.estimated_tokens == recount(messages) <= limit
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert messages[-1]["role"] == "user"
    assert messages[-1]["content"] == newest + (f"\n\n{hint}" if hint else "")
    assert messages[1]["role"] == "user"
    assert plan.dropped_turns == len(history) - (len(messages) - 1)
    assert plan.truncated == (plan.dropped_turns > 0)
    assert [m["content"] for m in messages[1:-1]] == [
        t for _, t in history[plan.dropped_turns : -1]
    ]


@settings(max_examples=100, deadline=None)
@given(
    turns=st.lists(texts, min_size=3, max_size=60).map(lambda t: t[: len(t) // 2 * 2 + 1]),
    budget=budgets,
)
def test_prefix_is_stable_between_cuts(turns: list[str], budget: tuple[int, int]) -> None:
    """Turn n+1 extends turn n's messages verbatim unless a new (forward-only) cut happens."""
    context_length, max_tokens = budget
    history = conversation(turns)
    previous = None
    for end in range(1, len(history) + 1, 2):
        try:
            plan = build_messages(
                SYSTEM, history[:end], context_length=context_length, max_tokens=max_tokens
            )
        except PromptTooLongError:
            previous = None
            continue
        if previous is not None:
            assert plan.dropped_turns >= previous.dropped_turns or _used_fallback(previous)
            if plan.dropped_turns == previous.dropped_turns:
                assert plan.messages[: len(previous.messages)] == previous.messages
        previous = plan


def _used_fallback(plan: object) -> bool:
    """The one-giant-turn fallback keeps only the newest turn; the next turn may cut less."""
    return len(plan.messages) == 2  # type: ignore[attr-defined]


def test_language_hint_goes_to_newest_turn_only() -> None:
    history = conversation(["Hallo", "Hi!", "Wie geht's?"])
    plan = build_messages(
        SYSTEM, history, context_length=4096, max_tokens=256, language_hint="Answer in German."
    )
    assert plan.messages[0]["content"] == SYSTEM
    assert plan.messages[-1]["content"] == "Wie geht's?\n\nAnswer in German."
    assert [m["content"] for m in plan.messages[1:3]] == ["Hallo", "Hi!"]


def test_cuts_are_rare_and_large_not_a_sliding_window() -> None:
    history: list[tuple[str, str]] = []
    cuts: list[int] = []
    for turn in range(80):
        history += [("user", f"Question {turn}: " + "words " * 40), ("assistant", "answer " * 60)]
        plan = build_messages(
            SYSTEM, [*history, ("user", "next?")], context_length=4096, max_tokens=512
        )
        if not cuts or plan.dropped_turns != cuts[-1]:
            cuts.append(plan.dropped_turns)
    # ~320 tokens per pair, ~3400 budget: a sliding window would move on nearly every turn.
    assert 3 <= len(cuts) <= 12
    steps = [b - a for a, b in itertools.pairwise(cuts)]
    assert min(steps[1:]) >= 8
    assert all(step % 2 == 0 for step in steps)


def test_budget_arithmetic_and_estimate() -> None:
    assert approx_tokens("") == 0
    assert approx_tokens("abc") == 1 and approx_tokens("abcd") == 2
    assert approx_tokens("привет") == 4  # 12 bytes
    with pytest.raises(PromptTooLongError):
        build_messages(SYSTEM, [("user", "x" * 30000)], context_length=4096, max_tokens=512)
    with pytest.raises(ValueError):
        build_messages(SYSTEM, [], context_length=4096, max_tokens=512)
