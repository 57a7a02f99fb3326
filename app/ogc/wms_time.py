"""WMS TIME: the periods' labels ("2024-12", "2024") and the instants clients send.

Capabilities list each period as the ISO 8601 date of its first day (2024-12 → 2024-12-01,
2024-Q2 → 2024-04-01, 2024 → 2024-01-01): QGIS (3.22, its Temporal Controller) parses only full
dates in a `<Dimension>` and sends TIME as `yyyy-MM-ddThh:mm:ssZ`. A TIME names the period that
contains it: the period's label itself, a date, a date and time, or an interval `start/end` (its
start, as QGIS's "match exact using start of range"): the period listed with that date, else the
shortest period containing it. Where two periods of a layer share a date (a year and its first
quarter), the date names the longer one and the other is asked for by its label (2024-Q1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def advertised(period: str) -> str:
    """The value listed in the capabilities for a period label."""
    if _YEAR.fullmatch(period):
        return f"{period}-01-01"
    if _MONTH.fullmatch(period):
        return f"{period}-01"
    quarter = _QUARTER.fullmatch(period)
    if quarter:
        return f"{quarter.group(1)}-{3 * int(quarter.group(2)) - 2:02d}-01"
    return period


def advertised_values(periods: Sequence[str]) -> tuple[str, ...]:
    """The distinct values listed for a layer's periods, in the periods' order."""
    return tuple(dict.fromkeys(advertised(p) for p in periods))


def resolve(value: str, periods: Sequence[str]) -> str | None:
    """The period (one of `periods`) that a TIME value names, or None."""
    start = value.strip().split("/", 1)[0]
    if start in periods:
        return start
    found = _INSTANT.fullmatch(start)
    if found is None:
        return None
    year, month = found.group(1), found.group(2)
    containing = [
        p for p in (f"{year}-{month}", f"{year}-Q{(int(month) - 1) // 3 + 1}", year) if p in periods
    ]
    listed = [p for p in containing if advertised(p) == start[:10]]
    if listed:
        return listed[-1]  # two periods listed with this date: the longer one
    return containing[0] if containing else None
