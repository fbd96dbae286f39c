"""Targets of the scenarios and their verdicts: PASS or NOT MET, never adjusted."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    """A required value: `path` into the scenario's metrics, compared with `op` to `bound`."""

    label: str
    path: tuple[str, ...]
    op: str
    bound: float
    unit: str = ""

    def measured(self, metrics: dict[str, Any]) -> float | None:
        """The value at `path`, or None when it was not measured."""
        value: Any = metrics
        for key in self.path:
            if not isinstance(value, dict) or value.get(key) is None:
                return None
            value = value[key]
        return float(value)

    def verdict(self, metrics: dict[str, Any]) -> dict[str, Any]:
        """The target, the measured value and PASS / NOT MET (NOT MEASURED without a value)."""
        value = self.measured(metrics)
        if value is None:
            status = "NOT MEASURED"
        else:
            status = "PASS" if OPS[self.op](value, self.bound) else "NOT MET"
        return {
            "target": f"{self.label} {self.op} {self.bound:g}{self.unit}",
            "measured": value, "unit": self.unit, "status": status,
        }


INTEGRITY = (
    Target("messages lost", ("messages_lost",), "==", 0),
    Target("messages duplicated", ("messages_duplicated",), "==", 0),
)
