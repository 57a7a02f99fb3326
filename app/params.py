"""Strict parsers for the numbers, boxes, dates and booleans every front receives as text.

Python's `float()` takes `nan`, `inf`, `1e999` (infinite), `1_000` and padded text; none of
these is a value a client means, and non-finite numbers crashed geometry code further in
(issue 13). Each parser accepts one plain spelling and raises `InvalidParameterError`
(HTTP 400; OGC exception on the OGC fronts) naming the parameter. No HTTP, no catalog here.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from app.errors import InvalidParameterError

BBox = tuple[float, float, float, float]
# Larger than any projected coordinate (Web Mercator stays within ±2.1e7 m); beyond it the
# renderers' arithmetic overflows.
MAX_COORDINATE = 1e9
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})?"
)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:60] + "…"


def parse_number(
    text: str, name: str, minimum: float | None = None, maximum: float | None = None
) -> float:
    """A finite decimal number, optionally within [minimum, maximum]."""
    stripped = text.strip()
    value = float(stripped) if _NUMBER.fullmatch(stripped) else math.nan
    if not math.isfinite(value):
        raise InvalidParameterError(f"{name} must be a finite number, got '{_shown(text)}'")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidParameterError(
            f"{name} must be between {minimum:g} and {maximum:g}, got '{_shown(text)}'"
            if minimum is not None and maximum is not None
            else f"{name} is out of range, got '{_shown(text)}'"
        )
    return value


def parse_int(text: str, name: str, minimum: int, maximum: int) -> int:
    """A plain integer within [minimum, maximum] (no sign tricks, no floats, no `inf`)."""
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        raise InvalidParameterError(f"{name} must be an integer, got '{_shown(text)}'")
    value = int(stripped)
    if not minimum <= value <= maximum:
        raise InvalidParameterError(
            f"{name} must be between {minimum} and {maximum}, got '{_shown(text)}'"
        )
    return value


def parse_numbers(text: str, name: str, max_count: int = 100) -> tuple[float, ...]:
    """Comma-separated finite numbers (empty items skipped), at most `max_count` of them."""
    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) > max_count:
        raise InvalidParameterError(f"{name} takes at most {max_count} numbers")
    return tuple(parse_number(p, name) for p in parts)


def parse_bbox(text: str, name: str = "bbox", is_lon_lat: bool = False) -> BBox:
    """minx,miny,maxx,maxy: four finite numbers, min ≤ max, each within ±MAX_COORDINATE
    (within ±180/±90 when `is_lon_lat`). The axis order is the caller's business."""
    parts = text.split(",")
    if len(parts) != 4:
        raise InvalidParameterError(
            f"{name} must be 4 comma-separated numbers minx,miny,maxx,maxy, got '{_shown(text)}'"
        )
    limits = (180.0, 90.0, 180.0, 90.0) if is_lon_lat else (MAX_COORDINATE,) * 4
    minx, miny, maxx, maxy = (
        parse_number(p, name, -limit, limit) for p, limit in zip(parts, limits, strict=True)
    )
    if minx > maxx or miny > maxy:
        raise InvalidParameterError(f"{name} minimum must not exceed its maximum")
    return (minx, miny, maxx, maxy)


def parse_bool(text: str, name: str) -> bool:
    """true/false (also 1/0, yes/no; any case)."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameterError(f"{name} must be true or false, got '{_shown(text)}'")


def parse_instant(text: str, name: str) -> datetime:
    """An RFC 3339 date (YYYY-MM-DD) or date-time; without an offset it is taken as UTC."""
    stripped = text.strip()
    try:
        if _DATE.fullmatch(stripped):
            day = date.fromisoformat(stripped)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if _DATETIME.fullmatch(stripped):
            value = datetime.fromisoformat(stripped.replace("z", "Z").replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        pass
    raise InvalidParameterError(
        f"{name} must be an RFC 3339 date or date-time (e.g. 2024-06-30 or "
        f"2024-06-30T00:00:00Z), got '{_shown(text)}'"
    )


def parse_interval(text: str, name: str = "datetime") -> tuple[datetime | None, datetime | None]:
    """An instant, or `start/end` with `..` or nothing for an open end (OGC API datetime)."""
    if "/" not in text:
        instant = parse_instant(text, name)
        return (instant, instant)
    start_text, _, end_text = text.partition("/")
    start = None if start_text in ("", "..") else parse_instant(start_text, name)
    end = None if end_text in ("", "..") else parse_instant(end_text, name)
    if start is not None and end is not None and start > end:
        raise InvalidParameterError(f"{name} starts after it ends: '{_shown(text)}'")
    return (start, end)
