"""The sglang-router launch line Parley uses in front of several SGLang hosts (router 0.3.2)."""

from __future__ import annotations

from collections.abc import Sequence

from inference.profiles import API_KEY_PLACEHOLDER

SGLANG_ROUTER_VERSION = "0.3.2"


def router_command(
    worker_urls: Sequence[str],
    *,
    host: str = "0.0.0.0",
    port: int = 30000,
    prometheus_host: str = "0.0.0.0",
    prometheus_port: int = 29000,
    health_check_interval_secs: int = 10,
    api_key: str | None = API_KEY_PLACEHOLDER,
    extra: Sequence[str] = (),
) -> list[str]:
    """argv for `python -m sglang_router.launch_router` with the cache-aware policy.

    `api_key` is what the router sends to the workers (their `--api-key`); the default is the
    `$SGLANG_API_KEY` placeholder that `router_shell_command` leaves for the shell to expand.
    """
    if not worker_urls:
        raise ValueError("sglang-router needs at least one worker URL")
    argv = [
        "python3", "-m", "sglang_router.launch_router",
        "--worker-urls", *worker_urls,
        "--policy", "cache_aware",
        "--host", host,
        "--port", str(port),
        "--prometheus-host", prometheus_host,
        "--prometheus-port", str(prometheus_port),
        "--health-check-interval-secs", str(health_check_interval_secs),
    ]  # fmt: skip
    if api_key is not None:
        argv += ["--api-key", api_key]
    return argv + list(extra)
