"""Configuration of the SGLang simulator: capacity, timing, generated text and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FaultMode = Literal["http", "inband", "truncate", "stall"]
ContentMode = Literal["filler", "echo", "markdown"]

# Maverick FP8 on 8xH100, per the reference §5: ~6 ms/token alone, ~10 ms at 16, ~35 ms at 100.
MAVERICK_TPOT_CURVE: tuple[tuple[int, float], ...] = ((1, 0.006), (16, 0.010), (100, 0.035))


@dataclass
class FaultSpec:
    """A failure to inject into the next `count` chat or /generate requests.

    Modes: "http" answers `status` with SGLang's error body before any stream; "inband" streams
    `after_tokens` tokens then a `data: {"error": ...}` event with code `status` and [DONE];
    "truncate" streams `after_tokens` tokens then closes without finish or [DONE]; "stall"
    streams `after_tokens` tokens then goes silent for `stall_seconds` (for read timeouts).
    """

    mode: FaultMode = "http"
    status: int = 503
    count: int = 1
    after_tokens: int = 0
    message: str | None = None
    stall_seconds: float = 30.0
    retry_after: float | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultSpec:
        """Build from the admin route's JSON body, refusing unknown fields."""
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        spec = cls(**raw)
        if spec.mode not in ("http", "inband", "truncate", "stall"):
            raise ValueError(f"unknown fault mode {spec.mode!r}")
        return spec


def _default_model_path() -> str:
    # An existing local directory, so sglang-router does not try a Hugging Face download.
    return str(Path(__file__).resolve().parent)


@dataclass
class SimulatorConfig:
    """Every knob of the simulator; the defaults model Llama 4 Maverick FP8 on 8xH100 (TP8)."""

    served_model_name: str = "llama-4-maverick"
    model_path: str = field(default_factory=_default_model_path)
    api_key: str | None = None
    version: str = "0.5.23"

    context_length: int = 131072
    max_req_input_len: int | None = None
    kv_pool_tokens: int = 600_000
    max_running_requests: int = 256
    max_queued_requests: int | None = None
    startup_seconds: float = 0.0

    speed: float = 1.0
    prefill_tokens_per_second: float = 20_000.0
    prefill_overhead_seconds: float = 0.02
    tpot_curve: tuple[tuple[int, float], ...] = MAVERICK_TPOT_CURVE

    output_tokens: int | None = None
    output_tokens_min: int = 40
    output_tokens_max: int = 400
    content: ContentMode = "filler"
    think: bool = False
    seed: int = 0

    enable_cache_report: bool = True
    # Llama 4 is natively multimodal: image_url content parts are accepted and priced in
    # tokens (see images.py). Off: any image part gets a 400, and /model_info says
    # has_image_understanding: false.
    vision: bool = True
    stream_include_usage_default: bool = False
    legacy_inband_context_error: bool = False
    faults: list[FaultSpec] = field(default_factory=list)

    @property
    def effective_max_req_input_len(self) -> int:
        """The scheduler's admission limit on prompt tokens (context length - 1 unless set)."""
        return self.max_req_input_len or self.context_length - 1
