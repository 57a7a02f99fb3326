"""Validation of the codes a client sends (indicator, level, period, dimensions, lang).

Every error names the valid values, so a client can correct itself without reading the docs.
"""

from __future__ import annotations

from app.catalog.snapshot import Catalog
from app.codes import DIMENSION_VALUE_RE, DIMENSION_VALUES, DIMENSIONS, LEVELS, parse_period
from app.errors import InvalidParameterError
from app.stats.aggregate import latest_period, periods_with_data, registry_for
from app.stats.indicators import Indicator

LANGS = ("es", "en")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidParameterError(f"unknown lang '{lang}'; valid: {', '.join(LANGS)}")
    return lang


def resolve_indicator(catalog: Catalog, code: str) -> Indicator:
    registry = registry_for(catalog)
    indicator = registry.get(code)
    if indicator is None:
        raise InvalidParameterError(
            f"unknown indicator '{code}'; valid: {', '.join(registry.codes())}"
        )
    return indicator


def check_level(level: str, allowed: tuple[str, ...] = LEVELS) -> str:
    if level not in allowed:
        raise InvalidParameterError(f"unknown level '{level}'; valid: {', '.join(allowed)}")
    return level


def resolve_period(
    catalog: Catalog, indicator: Indicator, period: str | None, level: str | None = None
) -> str:
    """The requested period, or the latest with a value at `level` when given (the
    catalogue's `default_period_by_level`), else the latest with data; unknown periods get
    an error listing the valid ones."""
    available = periods_with_data(catalog, indicator)
    if period is None or period == "":
        if not available:
            raise InvalidParameterError(f"indicator '{indicator.code}' has no data yet")
        latest = latest_period(catalog, indicator, level) if level else None
        return latest or available[-1]
    try:
        parse_period(period)
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None
    if period not in available:
        raise InvalidParameterError(
            f"indicator '{indicator.code}' has no data for period '{period}'; "
            f"valid: {', '.join(available) or 'none'}"
        )
    return period


def parse_dimension_filters(query: dict[str, str]) -> dict[str, str]:
    """Dimension filters from query parameters (sex=F, legal_status=procesado...)."""
    dims: dict[str, str] = {}
    for name in DIMENSIONS:
        value = query.get(name)
        if value is None or value == "":
            continue
        valid = DIMENSION_VALUES.get(name)
        if valid is not None and value not in valid:
            raise InvalidParameterError(f"unknown {name} '{value}'; valid: {', '.join(valid)}")
        if valid is None and not DIMENSION_VALUE_RE.match(value):
            raise InvalidParameterError(f"invalid {name} '{value}': use a lower-case slug")
        dims[name] = value
    return dims
