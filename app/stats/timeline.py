"""Time axes of a series: one granularity per axis, and the periods missing inside it.

A series never mixes months, quarters and years on one axis (issue 11, point 5): a yearly
total beside monthly stocks would draw a line between figures that mean different things.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from app.codes import parse_period

GRANULARITIES = ("month", "quarter", "year")


def default_granularity(periods: Iterable[str]) -> str | None:
    """The granularity with the most periods (the finer one on a tie); None for no period."""
    counts: Counter[str] = Counter(parse_period(p).granularity for p in periods)
    if not counts:
        return None
    return max(GRANULARITIES, key=lambda g: (counts[g], -GRANULARITIES.index(g)))


def period_range(first: str, last: str) -> list[str]:
    """Every period from `first` to `last` (both of one granularity), in order."""
    start, end = parse_period(first), parse_period(last)
    granularity = start.granularity
    if granularity != end.granularity:
        raise ValueError(f"'{first}' and '{last}' are not of one granularity")
    step = start.months
    index = start.end_key[0] * 12 + start.end_key[1] - 1
    stop = end.end_key[0] * 12 + end.end_key[1] - 1
    periods = []
    while index <= stop:
        year, month = divmod(index, 12)
        month += 1
        if granularity == "month":
            periods.append(f"{year:04d}-{month:02d}")
        elif granularity == "quarter":
            periods.append(f"{year:04d}-Q{month // 3}")
        else:
            periods.append(f"{year:04d}")
        index += step
    return periods


def missing_periods(periods: list[str]) -> list[str]:
    """The periods of the same granularity between the first and the last of `periods`
    (sorted, one granularity) that are not in it: the gaps of a series."""
    if not periods:
        return []
    present = set(periods)
    return [p for p in period_range(periods[0], periods[-1]) if p not in present]
