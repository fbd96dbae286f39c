"""SGLang's length checks and their exact error messages (reference §2.8)."""

from __future__ import annotations

from inference.simulator.config import SimulatorConfig


def context_error(
    prompt_tokens: int, max_tokens: int | None, config: SimulatorConfig
) -> str | None:
    """The tokenizer-side check: prompt, then prompt + max_tokens, against the context length."""
    limit = config.context_length
    if prompt_tokens >= limit:
        return (
            f"The input ({prompt_tokens} tokens) is longer than the model's context length "
            f"({limit} tokens)."
        )
    if max_tokens is not None and prompt_tokens + max_tokens >= limit:
        return (
            f"Requested token count exceeds the model's maximum context length of {limit} "
            f"tokens. You requested a total of {prompt_tokens + max_tokens} tokens: "
            f"{prompt_tokens} tokens from the input messages and {max_tokens} tokens for the "
            "completion. Please reduce the number of tokens in the input messages or the "
            "completion to fit within the limit."
        )
    return None


def admission_error(prompt_tokens: int, config: SimulatorConfig) -> str | None:
    """The scheduler-side check against max_req_input_len (the KV pool's admission limit)."""
    limit = config.effective_max_req_input_len
    if prompt_tokens <= limit:
        return None
    return (
        f"Input length ({prompt_tokens} tokens) exceeds the maximum allowed length "
        f"({limit} tokens). Use a shorter input or enable --allow-auto-truncate."
    )


def default_max_tokens(prompt_tokens: int, config: SimulatorConfig) -> int:
    """What SGLang allows when max_tokens is omitted: up to the end of the context."""
    return max(0, config.context_length - prompt_tokens - 1)
