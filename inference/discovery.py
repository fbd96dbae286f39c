"""Reading the context window and vision support out of SGLang's and llama.cpp's info endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ContextReader = Callable[[Any], int | None]


def from_v1_models(body: Any) -> int | None:
    """SGLang: data[0].max_model_len; llama.cpp: data[0].meta.n_ctx (the per-slot window).

    llama.cpp's meta also carries n_ctx_train, the window the model was trained with; the server
    refuses anything beyond n_ctx, so n_ctx is the one that matters.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    first = data[0]
    meta = first.get("meta")
    return _positive(first.get("max_model_len")) or _positive(
        meta.get("n_ctx") if isinstance(meta, dict) else None
    )


def from_server_info(body: Any) -> int | None:
    """SGLang /server_info and /model_info: `context_length`."""
    return _positive(body.get("context_length")) if isinstance(body, dict) else None


def from_props(body: Any) -> int | None:
    """llama.cpp /props: default_generation_settings.n_ctx (per slot)."""
    if not isinstance(body, dict):
        return None
    settings = body.get("default_generation_settings")
    return _positive(settings.get("n_ctx")) if isinstance(settings, dict) else None


PROBES: tuple[tuple[str, ContextReader], ...] = (
    ("/v1/models", from_v1_models),
    ("/server_info", from_server_info),
    ("/model_info", from_server_info),
    ("/props", from_props),
)


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def vision_from_model_info(body: Any) -> bool | None:
    """SGLang /model_info: `has_image_understanding`."""
    value = body.get("has_image_understanding") if isinstance(body, dict) else None
    return value if isinstance(value, bool) else None


def vision_from_props(body: Any) -> bool | None:
    """llama.cpp /props: `modalities.vision`."""
    modalities = body.get("modalities") if isinstance(body, dict) else None
    value = modalities.get("vision") if isinstance(modalities, dict) else None
    return value if isinstance(value, bool) else None


VISION_PROBES: tuple[tuple[str, Callable[[Any], bool | None]], ...] = (
    ("/model_info", vision_from_model_info),
    ("/props", vision_from_props),
)
