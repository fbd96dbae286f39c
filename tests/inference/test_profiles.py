"""SGLang launch profiles: required flags, KV-memory sizing, shell quoting and the CLI handlers."""

from __future__ import annotations

import argparse
import math
import shlex

import pytest

from inference import profiles
from inference.profiles import (
    PROFILES,
    Profile,
    add_sglang_command_arguments,
    command,
    docker_image,
    sglang_command_main,
    shell_command,
)
from inference.router import router_command

ALL = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))


def flag_value(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_the_three_documented_profiles_exist() -> None:
    assert set(PROFILES) == {"maverick-h100x8", "maverick-h200x8", "scout-h100x1"}
    h100 = PROFILES["maverick-h100x8"]
    assert h100.model_path == "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"
    assert h100.tp == 8 and h100.context_length == 131_072
    assert PROFILES["scout-h100x1"].tp == 1


@ALL
def test_command_carries_the_required_flags(profile: Profile) -> None:
    argv = command(profile)
    assert argv[:3] == ["python3", "-m", "sglang.launch_server"]
    assert flag_value(argv, "--model-path") == profile.model_path
    assert flag_value(argv, "--tp") == str(profile.tp)
    assert flag_value(argv, "--context-length") == str(profile.context_length)
    assert flag_value(argv, "--mem-fraction-static") == str(profile.mem_fraction_static)
    assert {"--enable-metrics", "--enable-cache-report"} <= set(argv)
    assert 0 < int(flag_value(argv, "--max-queued-requests")) <= 4096
    assert flag_value(argv, "--served-model-name") == profile.served_model_name
    assert flag_value(argv, "--host") == "0.0.0.0" and flag_value(argv, "--port") == "30000"
    assert flag_value(argv, "--api-key") == "$SGLANG_API_KEY"
    assert flag_value(argv, "--attention-backend") == "fa3"  # all profiles are Hopper
    assert "--chat-template" not in argv  # llama-4 drops tools; keep the HF template everywhere


@ALL
def test_context_length_fits_the_kv_arithmetic(profile: Profile) -> None:
    plan = profile.memory
    per_gpu_bytes = plan.layers * math.ceil(plan.kv_heads / profile.tp) * plan.head_dim * 2 * 2
    kv_gib = plan.gpu_memory_gib * profile.mem_fraction_static - plan.weights_gib_per_gpu
    pool = math.floor(kv_gib * 2**30 / per_gpu_bytes)
    assert kv_gib > 0
    assert profiles.kv_pool_tokens(profile) == pool
    assert profile.context_length * profiles.MIN_FULL_LENGTH_REQUESTS <= pool
    assert profile.context_length <= plan.max_position_embeddings
    assert profile.context_length <= profiles.max_context_length(profile)


def test_published_numbers() -> None:
    """192 KiB/token (24 KiB per GPU at TP8) and the reference's ~600K-token Maverick pool."""
    h100 = PROFILES["maverick-h100x8"]
    assert profiles.kv_bytes_per_token_per_gpu(h100) == 24 * 1024
    assert profiles.kv_bytes_per_token_per_gpu(PROFILES["scout-h100x1"]) == 192 * 1024
    assert profiles.kv_pool_tokens(h100) == 611_669
    assert profiles.kv_pool_tokens(PROFILES["maverick-h200x8"]) == 2_708_821
    assert profiles.kv_pool_tokens(PROFILES["scout-h100x1"]) == 38_229


@ALL
def test_shell_command_round_trips_and_keeps_the_key_expansion(profile: Profile) -> None:
    line = shell_command(profile)
    assert "\n" not in line
    assert line.endswith('--api-key "$SGLANG_API_KEY"')
    assert shlex.split(line) == command(profile)


def test_shell_command_quotes_awkward_values() -> None:
    odd = Profile(**{**vars(PROFILES["maverick-h100x8"]), "model_path": "/models/my model's dir"})
    assert shlex.split(shell_command(odd)) == command(odd)


@ALL
def test_docker_image_is_pinned_to_the_sglang_version(profile: Profile) -> None:
    assert docker_image(profile) == "lmsysorg/sglang:v0.5.23"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="parley sglang-command")
    add_sglang_command_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_profile_prints_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert sglang_command_main(parse("--profile", "maverick-h100x8")) == 0
    out = capsys.readouterr().out
    assert out == shell_command(PROFILES["maverick-h100x8"]) + "\n"


def test_cli_list_describes_every_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert sglang_command_main(parse("--list")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PROFILES)
    for line, profile in zip(lines, PROFILES.values(), strict=True):
        assert line.startswith(f"{profile.name}: {profile.gpus}")
        assert profile.model_path in line and f"context {profile.context_length}" in line


def test_cli_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert sglang_command_main(argparse.Namespace(profile="llama-9000", list=False)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown SGLang profile 'llama-9000'" in captured.err
    assert "maverick-h100x8" in captured.err


def test_cli_needs_profile_or_list() -> None:
    with pytest.raises(SystemExit) as exited:
        parse()
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        parse("--list", "--profile", "scout-h100x1")


def test_router_command_uses_cache_aware_and_the_key_placeholder() -> None:
    argv = router_command(["http://a:30000", "http://b:30000"])
    assert argv[:3] == ["python3", "-m", "sglang_router.launch_router"]
    assert argv[argv.index("--worker-urls") + 1 : argv.index("--worker-urls") + 3] == [
        "http://a:30000",
        "http://b:30000",
    ]
    assert flag_value(argv, "--policy") == "cache_aware"
    assert flag_value(argv, "--api-key") == "$SGLANG_API_KEY"
    with pytest.raises(ValueError):
        router_command([])
