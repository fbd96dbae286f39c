"""Charts drawn as inline SVG on the server: no JavaScript and nothing loaded from elsewhere."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 30, 14, 28


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a time chart; `css` picks its colour in admin.css (s1, s2, s3)."""

    name: str
    values: Sequence[float]
    css: str


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _fmt(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def _grid(top_value: float, width: int, height: int) -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = TOP + (height - TOP - BOTTOM) * (1 - i / 4)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_fmt(value)}</text>')
    return parts


def _x_labels(days: Sequence[date], xs: list[float], height: int, every: int) -> list[str]:
    shown = [i for i in range(len(days)) if i % every == 0]
    last = len(days) - 1
    if shown and last - shown[-1] >= every / 2:
        shown.append(last)
    return [
        f'<text class="tick" x="{xs[i]:.1f}" y="{height - 8}" text-anchor="middle">'
        f"{days[i].strftime('%b %d')}</text>"
        for i in shown
    ]


def _legend(series: Sequence[Series]) -> str:
    items = "".join(
        f'<span class="legend-item"><i class="swatch {s.css}"></i>{escape(s.name)}</span>'
        for s in series
    )
    return f'<div class="legend">{items}</div>'


def time_chart(
    days: Sequence[date], series: Sequence[Series], title: str, *, width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """A line chart of daily values (one point per day), with axes, grid and a legend."""
    top_value = nice_ceiling(max((v for s in series for v in s.values), default=0))
    span = max(len(days) - 1, 1)
    xs = [LEFT + (width - LEFT - RIGHT) * i / span for i in range(len(days))]

    def y(value: float) -> float:
        return TOP + (height - TOP - BOTTOM) * (1 - value / top_value)

    every = max(1, math.ceil(len(days) / (10 * width / WIDTH)))
    parts = _grid(top_value, width, height) + _x_labels(days, xs, height, every)
    for index, s in enumerate(series):
        points = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, s.values, strict=True))
        if index == 0 and xs:
            floor = f"{xs[-1]:.1f},{y(0):.1f} {xs[0]:.1f},{y(0):.1f}"
            parts.append(f'<polygon class="area {s.css}" points="{points} {floor}"/>')
        parts.append(f'<polyline class="line {s.css}" points="{points}"/>')
        if len(days) <= 45:
            parts.extend(
                f'<circle class="dot {s.css}" cx="{x:.1f}" cy="{y(v):.1f}" r="2.5">'
                f"<title>{escape(s.name)} {day.isoformat()}: {v:g}</title></circle>"
                for x, v, day in zip(xs, s.values, days, strict=True)
            )
    svg = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
    )
    return Markup(_legend(series) + svg)  # noqa: S704 (every piece of text is escaped above)


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str) -> Markup:
    """A horizontal bar chart, one bar per label, longest first as given."""
    row, label_width = 26, 90
    height = TOP + row * len(labels) + 6
    top_value = nice_ceiling(max(values, default=0))
    usable = WIDTH - label_width - RIGHT - 60
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * row
        length = usable * value / top_value
        parts.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="bar s1" x="{label_width}" y="{y + 3}" width="{length:.1f}" '
            f'height="{row - 8}" rx="3"><title>{escape(label)}: {value:g}</title></rect>'
            f'<text class="value" x="{label_width + length + 6:.1f}" y="{y + 15}">'
            f"{_fmt(value)}</text>"
        )
    return Markup(  # noqa: S704 (every piece of text is escaped above)
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
    )
