"""Dialect-aware SQL helpers: percentiles (percentile_cont or a portable fallback), day buckets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, cast, func, select
from sqlalchemy.orm import Session

QUANTILES = (0.5, 0.95)


@dataclass(frozen=True, slots=True)
class Percentiles:
    """The median and 95th percentile of a measure, None when there is no data."""

    p50: float | None
    p95: float | None


def is_postgres(session: Session) -> bool:
    """True when the session is bound to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def day_bucket(session: Session, column: Any) -> ColumnElement[Any]:
    """An expression for the UTC day of a timestamp column."""
    if is_postgres(session):
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def as_date(value: date | datetime | str) -> date:
    """Normalise what a day bucket returns (a date on PostgreSQL, a string on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def percentiles(session: Session, values: Select[Any]) -> Percentiles:
    """p50 and p95 of the single non-NULL numeric column `values` selects.

    PostgreSQL computes them with percentile_cont in one pass; elsewhere the same continuous
    percentile is read with ORDER BY ... LIMIT 2 OFFSET k (never loading the rows).
    """
    sub = values.subquery()
    column = sub.c[0]
    if is_postgres(session):
        row = session.execute(
            select(*(func.percentile_cont(q).within_group(column) for q in QUANTILES))
        ).one()
        return Percentiles(*(_float(v) for v in row))
    count = int(session.scalar(select(func.count()).select_from(sub)) or 0)
    found = [_portable_percentile(session, column, count, q) for q in QUANTILES]
    return Percentiles(*found)


def _portable_percentile(session: Session, column: Any, count: int, q: float) -> float | None:
    if count == 0:
        return None
    position = q * (count - 1)
    low = math.floor(position)
    pair = list(
        session.scalars(select(column).order_by(column).limit(2).offset(low))
    )
    if len(pair) == 1 or position == low:
        return float(pair[0])
    return float(pair[0]) + (float(pair[1]) - float(pair[0])) * (position - low)


def grouped_percentiles(
    session: Session, values: Select[Any, Any], groups: list[Any]
) -> dict[Any, Percentiles]:
    """p50 and p95 per group of `values`, a select of (group, value) with value non-NULL."""
    sub = values.subquery()
    group, column = sub.c[0], sub.c[1]
    if is_postgres(session):
        rows = session.execute(
            select(group, *(func.percentile_cont(q).within_group(column) for q in QUANTILES))
            .group_by(group)
        )
        return {row[0]: Percentiles(_float(row[1]), _float(row[2])) for row in rows}
    result: dict[Any, Percentiles] = {}
    for key in groups:
        where = group.is_(None) if key is None else group == key
        result[key] = percentiles(session, select(column).where(where))
    return result


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
