"""Building the chat messages for a turn within the token budget, friendly to prefix caching.

SGLang's RadixAttention reuses the KV cache of the longest token prefix a new request shares with
earlier ones. So the system prompt is byte-identical on every turn, the history is resent verbatim
and append-only, and when old turns must go they go in one large step at a cut point that stays
put for the following turns (a window sliding by one turn would make every turn a cold prefill).

The cut rule, deterministic from the stored history: let P(i) be the estimated cost of the turns
before index i. Cut candidates are index 0 and then, repeatedly, the first user turn whose P is
at least `block` (half the history budget) beyond the previous candidate. The plan keeps the
turns from the first candidate whose suffix fits. Appending turns never changes earlier P values,
so the chosen candidate only moves forward, and only when the kept part outgrows the budget; it
then jumps about half a budget ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inference.types import ChatMessage

MESSAGE_OVERHEAD = 6
"""Template tokens around a message: header start/end, role, blank line, <|eot|>."""

PRIMING = 8
"""Tokens for <|begin_of_text|> and the assistant header the template appends at the end."""

DEFAULT_MARGIN = 64
"""Slack for the gap between our estimate and the server's tokenizer, on top of a cautious count."""


def approx_tokens(text: str) -> int:
    """Estimate tokens cheaply and cautiously: UTF-8 bytes / 3, rounded up.

    Llama 4's 200K-entry vocabulary averages about 4 bytes a token for English and more than 3
    for Cyrillic and most European text; CJK runs near 3 bytes (one character) a token. So this
    overestimates for nearly all chat text, and the margin covers the rest.
    """
    return -(-len(text.encode("utf-8")) // 3)


@dataclass(frozen=True)
class PromptPlan:
    """The messages to send and what budgeting did to the history."""

    messages: list[ChatMessage]
    truncated: bool
    dropped_turns: int
    estimated_tokens: int


class PromptTooLongError(ValueError):
    """Even the system prompt and the newest turn alone exceed the budget."""


def build_messages(
    system_prompt: str,
    history: list[tuple[str, str]],
    *,
    context_length: int,
    max_tokens: int,
    count_tokens: Callable[[str], int] = approx_tokens,
    language_hint: str | None = None,
    margin: int = DEFAULT_MARGIN,
) -> PromptPlan:
    """Plan the messages for one turn: system prompt, then as much recent history as fits.

    `history` is (role, text) oldest first, ending with the newest user turn. The language
    hint, if any, is appended to the newest user turn only. Raises PromptTooLongError when
    the system prompt plus the newest turn cannot fit `context_length - max_tokens - margin`.
    """
    if not history:
        raise ValueError("history must end with the newest user turn")
    texts = [text for _, text in history]
    if language_hint:
        texts[-1] = f"{texts[-1]}\n\n{language_hint}"
    costs = [count_tokens(text) + MESSAGE_OVERHEAD for text in texts]
    system_cost = count_tokens(system_prompt) + MESSAGE_OVERHEAD + PRIMING
    room = context_length - max_tokens - margin - system_cost
    roles = [role for role, _ in history]
    start = choose_start(roles, costs, room)
    if start is None:
        raise PromptTooLongError(
            f"the newest turn ({costs[-1]} tokens) and system prompt ({system_cost}) exceed "
            f"the budget of {context_length - max_tokens - margin} tokens"
        )
    messages: list[ChatMessage] = [{"role": "system", "content": system_prompt}]
    messages += [{"role": role, "content": text} for role, text in zip(roles, texts, strict=True)][
        start:
    ]
    return PromptPlan(
        messages=messages,
        truncated=start > 0,
        dropped_turns=start,
        estimated_tokens=system_cost + sum(costs[start:]),
    )


def choose_start(roles: Sequence[str], costs: Sequence[int], room: int) -> int | None:
    """Index of the first kept turn, or None when not even the newest turn fits `room`."""
    total = sum(costs)
    for start in cut_candidates(roles, costs, block=max(1, room // 2)):
        if total - _prefix(costs, start) <= room:
            return start
    # One giant recent turn: keep only the newest one, at the price of a one-off cold prefill.
    return len(costs) - 1 if costs[-1] <= room else None


def cut_candidates(roles: Sequence[str], costs: Sequence[int], *, block: int) -> list[int]:
    """Stable cut points: 0, then the first user turn at least `block` tokens past the previous."""
    candidates = [0]
    prefix = 0
    threshold = block
    for index, cost in enumerate(costs):
        if index > 0 and roles[index] == "user" and prefix >= threshold:
            candidates.append(index)
            threshold = prefix + block
        prefix += cost
    return candidates


def _prefix(costs: Sequence[int], end: int) -> int:
    return sum(costs[:end])
