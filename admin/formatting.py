"""Jinja filters that format numbers, durations, ratios and timestamps for the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

UNKNOWN = "—"


def num(value: float | None) -> str:
    """1234567 -> '1,234,567'; None -> '—'."""
    if value is None:
        return UNKNOWN
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def compact(value: float | None) -> str:
    """1234567 -> '1.23M', 45200 -> '45.2k'."""
    if value is None:
        return UNKNOWN
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return num(value)


def ms(value: float | None) -> str:
    """Milliseconds as '412 ms' or '2.91 s'."""
    if value is None:
        return UNKNOWN
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def pct(value: float | None, digits: int = 1) -> str:
    """A ratio as a percentage: 0.0194 -> '1.9%'."""
    return UNKNOWN if value is None else f"{value * 100:.{digits}f}%"


def money(value: float | None) -> str:
    """A cost: '$4.72' (or '$0.0012' for small amounts)."""
    if value is None:
        return UNKNOWN
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.4f}"


def when(value: datetime | None) -> str:
    """A timestamp in UTC: '2026-11-24 06:52'."""
    if value is None:
        return UNKNOWN
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def or_dash(value: Any) -> Any:
    """None and '' as '—'."""
    return UNKNOWN if value is None or value == "" else value


FILTERS = {
    "num": num, "compact": compact, "ms": ms, "pct": pct, "money": money, "when": when,
    "or_dash": or_dash,
}
