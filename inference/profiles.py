"""Named SGLang launch profiles for Llama 4, with the KV-memory maths behind each context length.

Pinned to SGLang 0.5.23 (the version /work/shared/reference/sglang-serving.md documents).

How a context length is chosen (reference §1.3, memory in GiB as the reference's "~600K" uses):

    kv_gib_per_gpu   = gpu_memory_gib * mem_fraction_static - weights_gib_per_gpu
    kv_bytes/token   = layers * ceil(kv_heads / tp) * head_dim * 2 (K and V) * kv_dtype_bytes
    pool_tokens      = floor(kv_gib_per_gpu * 2**30 / kv_bytes_per_token_per_gpu)
    context_length  <= pool_tokens // MIN_FULL_LENGTH_REQUESTS, and <= max_position_embeddings

Llama 4 (HF config, reference §1.3): 48 layers, 8 KV heads, head_dim 128, BF16 KV (2 bytes), so
192 KiB per token, 24 KiB per token per GPU at TP8. SGLang keeps full KV for every layer unless
hybrid/SWA memory is enabled, so no chunked-attention discount is taken.

| profile          | GPUs     | weights/GPU | KV/GPU  | pool tokens | context |
|------------------|----------|-------------|---------|-------------|---------|
| maverick-h100x8  | 8x80 GiB | 50 GiB FP8  | 14 GiB  |     611,669 | 131,072 |
| maverick-h200x8  | 8x140GiB | 50 GiB FP8  | 62 GiB  |   2,708,821 | 524,288 |
| scout-h100x1     | 1x80 GiB | 57 GiB INT4 |  7 GiB  |      38,229 |   8,192 |
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass

SGLANG_VERSION = "0.5.23"
SGLANG_IMAGE_REPOSITORY = "lmsysorg/sglang"
API_KEY_ENV = "SGLANG_API_KEY"
API_KEY_PLACEHOLDER = f"${API_KEY_ENV}"
"""Stands for the key in `command()`; `shell_command()` renders it as "$SGLANG_API_KEY"."""

MIN_FULL_LENGTH_REQUESTS = 4
"""A context length must leave room for this many full-length requests in the KV pool."""

GIB = 2**30


@dataclass(frozen=True)
class KvMemoryPlan:
    """Per-GPU memory figures that fix the KV pool, and so the context length."""

    gpu_memory_gib: float
    weights_gib_per_gpu: float
    layers: int = 48
    kv_heads: int = 8
    head_dim: int = 128
    kv_dtype_bytes: int = 2
    max_position_embeddings: int = 1_048_576


@dataclass(frozen=True)
class Profile:
    """One SGLang launch: checkpoint, parallelism, memory plan and the serving flags."""

    name: str
    summary: str
    gpus: str
    model_path: str
    quantization: str
    tp: int
    mem_fraction_static: float
    context_length: int
    memory: KvMemoryPlan
    served_model_name: str
    max_queued_requests: int = 512
    host: str = "0.0.0.0"
    port: int = 30000
    attention_backend: str = "fa3"
    sglang_version: str = SGLANG_VERSION


def kv_bytes_per_token_per_gpu(profile: Profile) -> int:
    """KV bytes one token occupies on each GPU (KV heads are split across TP ranks)."""
    plan = profile.memory
    heads_per_gpu = math.ceil(plan.kv_heads / profile.tp)
    return plan.layers * heads_per_gpu * plan.head_dim * 2 * plan.kv_dtype_bytes


def kv_gib_per_gpu(profile: Profile) -> float:
    """GiB per GPU left for the KV pool after weights, within --mem-fraction-static."""
    plan = profile.memory
    return plan.gpu_memory_gib * profile.mem_fraction_static - plan.weights_gib_per_gpu


def kv_pool_tokens(profile: Profile) -> int:
    """Tokens the KV pool holds (SGLang reports it as max_total_num_tokens)."""
    return math.floor(kv_gib_per_gpu(profile) * GIB / kv_bytes_per_token_per_gpu(profile))


def max_context_length(profile: Profile) -> int:
    """The largest context length the sizing rule allows for this profile."""
    by_pool = kv_pool_tokens(profile) // MIN_FULL_LENGTH_REQUESTS
    return min(by_pool, profile.memory.max_position_embeddings)


MAVERICK_FP8 = "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"
SCOUT_INT4 = "RedHatAI/Llama-4-Scout-17B-16E-Instruct-quantized.w4a16"

# FP8 Maverick is ~400 GB of weights, ~50 GB per GPU at TP8 (reference §1.3). BF16 (~800 GB)
# does not fit 8x80 GB. 14 GiB/GPU of KV -> 611,669 tokens; 131,072 leaves room for 4.7.
MAVERICK_H100X8 = Profile(
    name="maverick-h100x8",
    summary="Llama 4 Maverick FP8, TP8 on one 8xH100 (80 GB) host",
    gpus="8x H100 80GB",
    model_path=MAVERICK_FP8,
    quantization="FP8 checkpoint",
    tp=8,
    mem_fraction_static=0.8,
    context_length=131_072,
    memory=KvMemoryPlan(gpu_memory_gib=80, weights_gib_per_gpu=50),
    served_model_name="llama-4-maverick",
)

# H200 has 141 GB (nvidia-smi: 143,771 MiB = 140.4 GiB; 140 used). 62 GiB/GPU of KV ->
# 2,708,821 tokens; 524,288 leaves room for 5.2. SGLang's docs set no limit on 8xH200
# (the model's 1,048,576), which would leave room for only 2.6.
MAVERICK_H200X8 = Profile(
    name="maverick-h200x8",
    summary="Llama 4 Maverick FP8, TP8 on one 8xH200 (141 GB) host",
    gpus="8x H200 141GB",
    model_path=MAVERICK_FP8,
    quantization="FP8 checkpoint",
    tp=8,
    mem_fraction_static=0.8,
    context_length=524_288,
    memory=KvMemoryPlan(gpu_memory_gib=140, weights_gib_per_gpu=50),
    served_model_name="llama-4-maverick",
)

# Scout is 109B params: BF16 ~203 GiB and FP8 ~102 GiB do not fit 80 GB; INT4 does (the model
# card: "on-the-fly int4 for a single H100"). Weights ~57 GiB = 109e9 x 0.5 B (50.8) + group-128
# scales (1.6) + BF16 embeddings and lm_head 2 x 202048 x 5120 x 2 B (3.9) + vision tower and
# norms (~0.7) [estimate]. 7 GiB of KV at 192 KiB/token -> 38,229 tokens; 8,192 leaves room for 4.7.
SCOUT_H100X1 = Profile(
    name="scout-h100x1",
    summary="Llama 4 Scout INT4 (w4a16) on a single H100 (80 GB); small context",
    gpus="1x H100 80GB",
    model_path=SCOUT_INT4,
    quantization="INT4 w4a16 checkpoint",
    tp=1,
    mem_fraction_static=0.8,
    context_length=8_192,
    memory=KvMemoryPlan(
        gpu_memory_gib=80, weights_gib_per_gpu=57, max_position_embeddings=10_485_760
    ),
    served_model_name="llama-4-scout",
)

PROFILES: dict[str, Profile] = {
    profile.name: profile for profile in (MAVERICK_H100X8, MAVERICK_H200X8, SCOUT_H100X1)
}


def command(profile: Profile) -> list[str]:
    """The launch_server argv; the API key is the literal placeholder `$SGLANG_API_KEY`."""
    return [
        "python3", "-m", "sglang.launch_server",
        "--model-path", profile.model_path,
        "--tp", str(profile.tp),
        "--context-length", str(profile.context_length),
        "--mem-fraction-static", str(profile.mem_fraction_static),
        "--attention-backend", profile.attention_backend,
        "--enable-metrics",
        "--enable-cache-report",
        "--max-queued-requests", str(profile.max_queued_requests),
        "--served-model-name", profile.served_model_name,
        "--host", profile.host,
        "--port", str(profile.port),
        "--api-key", API_KEY_PLACEHOLDER,
    ]  # fmt: skip


def shell_join(argv: Sequence[str]) -> str:
    """Quote argv into one shell line, leaving "$SGLANG_API_KEY" for the shell to expand."""
    return " ".join(f'"{a}"' if a == API_KEY_PLACEHOLDER else shlex.quote(a) for a in argv)


def shell_command(profile: Profile) -> str:
    """The command as one pasteable shell line; the shell expands "$SGLANG_API_KEY"."""
    return shell_join(command(profile))


def docker_image(profile: Profile) -> str:
    """The SGLang image pinned to the profile's version (upstream tag scheme `v<version>`)."""
    return f"{SGLANG_IMAGE_REPOSITORY}:v{profile.sglang_version}"


def describe(profile: Profile) -> str:
    """One line for `--list`: name, GPUs, checkpoint, context and KV pool."""
    return (
        f"{profile.name}: {profile.gpus}, {profile.model_path} ({profile.quantization}), "
        f"context {profile.context_length}, KV pool ~{kv_pool_tokens(profile)} tokens, "
        f"image {docker_image(profile)}"
    )


def add_sglang_command_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--profile NAME` / `--list` for `parley sglang-command`."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--profile", metavar="NAME", help=f"one of: {', '.join(PROFILES)}")
    group.add_argument("--list", action="store_true", help="list the profiles")


def sglang_command_main(args: argparse.Namespace) -> int:
    """Print the launch line of `args.profile`, or every profile with `args.list`; 2 if unknown."""
    if getattr(args, "list", False):
        for profile in PROFILES.values():
            print(describe(profile))
        return 0
    chosen = PROFILES.get(args.profile or "")
    if chosen is None:
        known = ", ".join(PROFILES)
        print(f"unknown SGLang profile {args.profile!r}; known profiles: {known}", file=sys.stderr)
        return 2
    print(shell_command(chosen))
    return 0
