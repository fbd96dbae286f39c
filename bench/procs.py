"""Child processes of the benchmark: free ports, spawning, CPU pinning, waiting and stopping."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def spawn_python(
    args: list[str], *, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start `python <args>` from the repository root in its own session, output to a log."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM a child's process group, then SIGKILL it if it does not exit in time."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def pin_to_cpus(pid: int, cpus: set[int]) -> bool:
    """Pin every thread of a process to `cpus`; False where affinity is not available."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    usable = cpus & os.sched_getaffinity(0)
    if not usable:
        return False
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    for tid in tids:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(tid, usable)
    return True


def cpu_count() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def wait_until(check: Callable[[], bool], *, timeout: float, what: str,
               process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `check` until it is true; raise if it times out or `process` exits first."""
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready within {timeout:.0f} s")
        time.sleep(0.05)


def http_ok(url: str) -> bool:
    """True when a GET of `url` answers 2xx."""
    try:
        return httpx.get(url, timeout=1.0).is_success
    except httpx.HTTPError:
        return False
