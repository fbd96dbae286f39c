"""Subcommands of the parts that came after the core: sandbox, simulator, admin, bench."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Configure = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]

EXTENSIONS: dict[str, tuple[Configure, Handler]] = {}
