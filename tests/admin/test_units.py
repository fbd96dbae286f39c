"""Small pure pieces: time ranges, number formatting, SVG charts, JSON encoding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from admin import formatting
from admin.charts import Series, bar_chart, nice_ceiling, time_chart
from admin.timerange import parse_range
from admin.web import to_jsonable

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_parse_range_presets_and_custom():
    assert parse_range({}, NOW).key == "7d"
    day = parse_range({"range": "24h"}, NOW)
    assert (day.end - day.start).days == 1 and len(day.days()) == 2
    custom = parse_range({"from": "2026-11-01", "to": "2026-11-03"}, NOW)
    assert custom.key == "custom" and len(custom.days()) == 3
    assert custom.label == "2026-11-01 – 2026-11-03"
    swapped = parse_range({"from": "2026-11-03", "to": "2026-11-01"}, NOW)
    assert swapped.start == custom.start and swapped.end == custom.end
    assert parse_range({"range": "evil", "from": "nope"}, NOW).key == "7d"


def test_formatting():
    assert formatting.num(1234567) == "1,234,567" and formatting.num(None) == "—"
    assert formatting.compact(45_200) == "45.2k" and formatting.compact(2_500_000) == "2.5M"
    assert formatting.ms(412) == "412 ms" and formatting.ms(2910) == "2.91 s"
    assert formatting.pct(0.0194) == "1.9%" and formatting.money(4.717) == "$4.72"
    assert formatting.when(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04"


def test_charts_escape_and_scale():
    assert nice_ceiling(0) == 1 and nice_ceiling(730) == 1000 and nice_ceiling(101) == 200
    days = [date(2026, 11, d) for d in range(1, 31)]
    svg = time_chart(days, [Series("<b>x</b>", [float(d.day) for d in days], "s1")], "t")
    assert "<svg" in svg and "<b>x</b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count("<circle") == 30
    bars = bar_chart(["en", "<ru>"], [10, 5], "langs")
    assert bars.count("<rect") == 2 and "&lt;ru&gt;" in bars


def test_json_encoding():
    @dataclass
    class Row:
        when: datetime
        day: date
        items: list[int]

    assert to_jsonable(Row(datetime(2026, 1, 1), date(2026, 1, 2), [1])) == {
        "when": "2026-01-01T00:00:00+00:00", "day": "2026-01-02", "items": [1]}
