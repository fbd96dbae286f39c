"""Resource use of process trees during a run: CPU seconds and peak resident memory (psutil)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import psutil

SAMPLE_INTERVAL = 0.25


@dataclass
class TreeUsage:
    """What one process tree used while it was watched."""

    cpu_seconds: float = 0.0
    peak_rss_bytes: int = 0
    _cpu_start: dict[int, float] = field(default_factory=dict)
    _cpu_last: dict[int, float] = field(default_factory=dict)

    def sample(self, root: int) -> None:
        """Add one sample of the tree rooted at `root`."""
        rss = 0
        for proc in _tree(root):
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
            except psutil.Error:
                continue
            cpu = times.user + times.system
            self._cpu_start.setdefault(proc.pid, cpu)
            self._cpu_last[proc.pid] = cpu
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
        self.cpu_seconds = sum(
            last - self._cpu_start[pid] for pid, last in self._cpu_last.items()
        )


def _tree(root: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(root)
        return [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return []


class Monitor:
    """Samples named process trees in a background thread between start() and stop()."""

    def __init__(self, roots: dict[str, int]) -> None:
        """Watch the trees whose root pids are given by name."""
        self.roots = roots
        self.usage = {name: TreeUsage() for name in roots}
        self.machine_cpu_percent = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-monitor", daemon=True)

    def start(self) -> None:
        """Take the first samples and begin watching."""
        psutil.cpu_percent(None)
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        """Take the last samples and stop."""
        self._stop.set()
        self._thread.join(5)
        self._sample()
        self.machine_cpu_percent = psutil.cpu_percent(None)

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL):
            self._sample()

    def _sample(self) -> None:
        for name, root in self.roots.items():
            self.usage[name].sample(root)
