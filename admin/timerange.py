"""The time range a dashboard page shows: a preset (24h, 7d, 30d, 90d) or custom dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.storage.models import utcnow

PRESETS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
DEFAULT_PRESET = "7d"
MAX_DAYS = 400


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open interval [start, end) in UTC, with the key that selected it."""

    start: datetime
    end: datetime
    key: str

    def days(self) -> list[date]:
        """Every UTC day the range touches, oldest first."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    @property
    def label(self) -> str:
        """A short human description, e.g. 'last 7 days' or '2026-11-01 – 2026-11-07'."""
        names = {"24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days",
                 "90d": "last 90 days"}
        if self.key in names:
            return names[self.key]
        last = (self.end - timedelta(microseconds=1)).date()
        return f"{self.start.date().isoformat()} – {last.isoformat()}"


def _parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def midnight(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def preset_range(key: str, now: datetime | None = None) -> TimeRange:
    """The preset range ending now."""
    end = (now or utcnow()).astimezone(UTC)
    return TimeRange(start=end - PRESETS[key], end=end, key=key)


def parse_range(params: Mapping[str, str], now: datetime | None = None) -> TimeRange:
    """Read `range=7d` or `from=YYYY-MM-DD&to=YYYY-MM-DD` (inclusive days) from query params."""
    start_day, end_day = _parse_day(params.get("from")), _parse_day(params.get("to"))
    if start_day or end_day:
        today = (now or utcnow()).astimezone(UTC).date()
        end_day = end_day or today
        start_day = start_day or end_day - timedelta(days=6)
        if start_day > end_day:
            start_day, end_day = end_day, start_day
        start_day = max(start_day, end_day - timedelta(days=MAX_DAYS))
        return TimeRange(midnight(start_day), midnight(end_day + timedelta(days=1)), "custom")
    key = params.get("range", DEFAULT_PRESET)
    return preset_range(key if key in PRESETS else DEFAULT_PRESET, now)
