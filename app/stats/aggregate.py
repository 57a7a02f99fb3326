"""Values of any indicator for every place of a level and a period, computed from the catalog.

Rules (documented in the README):
- A figure published for the place itself wins; otherwise a sum over the establishments
  located in the place (by UBIGEO or oficina regional), with the count that reported and the
  distinct sources (dataset, document, table) of the rows that entered the sum.
- A derived indicator is recomputed from the summed numerator and denominator; when summing
  establishments, only those that report both enter either sum.
- When only one input is published for the place, the other's sum over its establishments
  is divided by (or into) it; both published, then both summed, come first.
- A denominator missing for a quarter or year is taken at the period's last month (stock at
  the end of the period), and the response says so. An indicator whose
  `denominator_period` is "latest_available" (census population) takes, at each place, the
  latest denominator period at or before the requested one, and says which.
- Every place of the level is present; places without data have value None and status
  'missing'.
The figures are computed by the statistics engine (app/stats/engine.py: DuckDB, built once per
snapshot); a map is one query for one period, a series one query for one place over every
period. Whatever depends on the catalog alone (registry, names, groups, periods by level) is
computed once per snapshot (app/stats/snapshot_cache.py), never per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import LEVELS, format_dimensions, parse_dimensions, parse_period, period_sort_key
from app.errors import InvalidParameterError
from app.stats.engine import (
    Scope,
    derived_query,
    source_dict,
    stats_engine,
    stored_query,
    summed_sources,
)
from app.stats.geography import AGGREGATE_LEVELS, establishment_group, place_names
from app.stats.indicators import CORE_REGISTRY, Indicator, IndicatorRegistry
from app.stats.snapshot_cache import per_snapshot

# Imported from here by the OGC front and the exports: this module is their entry point.
__all__ = [
    "AGGREGATE_LEVELS",
    "LevelValues",
    "compute",
    "derive",
    "establishment_group",
    "latest_period",
    "level_rows",
    "periods_at_level",
    "periods_by_level",
    "periods_with_data",
    "place_names",
    "registry_for",
]


@dataclass(frozen=True)
class LevelValues:
    """Result of `compute`: one row per place of the level (index = place code).

    Columns: name, value, numerator, denominator, status ('ok' | 'missing'), method
    ('published' | 'sum_of_establishments'), n_establishments, sources (list of dicts), note.
    """

    indicator: Indicator
    level: str
    period: str
    denominator_period: str | None
    dimensions: str
    frame: pd.DataFrame


def registry_for(catalog: Catalog) -> IndicatorRegistry:
    """Core indicators plus those declared only in the store (policy indicators)."""

    def build() -> IndicatorRegistry:
        extra = [
            Indicator(
                code=row.code,
                label_es=row.label_es,
                label_en=row.label_en,
                unit=row.unit,
                aggregation="none",
                group=row.group,
                description=row.description,
            )
            for row in catalog.indicators.itertuples()
            if row.code not in CORE_REGISTRY
        ]
        return CORE_REGISTRY.register(*extra)

    return per_snapshot(catalog, "registry", build)


def level_rows(catalog: Catalog, indicator: Indicator, scope: Scope) -> pd.DataFrame:
    """The rows `compute` and series are made of, one query for the whole scope: every
    (period, place) with a published row or an establishment sum. Columns: period, place,
    value, note, sources, method, n_establishments, numerator, denominator,
    denominator_period (None for a stored indicator)."""
    if indicator.is_stored:
        return _stored_rows(catalog, indicator, scope)
    return _derived_rows(catalog, indicator, scope)


def _stored_rows(catalog: Catalog, indicator: Indicator, scope: Scope) -> pd.DataFrame:
    use_rollup = scope.level in AGGREGATE_LEVELS and indicator.aggregation == "sum"
    engine = stats_engine(catalog)
    has_published = scope.level == "establishment" or (
        (indicator.code, scope.level, scope.dims) in engine.published_slices
    )
    raw = engine.query(*stored_query(indicator.code, scope, use_rollup, has_published))
    published = raw["pub_value"].notna().to_numpy()
    use_sum = ~published & raw["sum_value"].notna().to_numpy()
    has_row = raw["dataset"].notna().to_numpy()
    pub_sources = zip(
        raw["dataset"], raw["document"], raw["source_table"], raw["locator"], strict=True
    )
    # Each distinct source (or list of summed sources) is described once; rows share it.
    summed = engine.summed_sources(indicator.code, scope, raw["sum_sources_key"][use_sum])
    described: dict[tuple[Any, ...], list[dict[str, str]]] = {}
    sources: list[list[dict[str, str]]] = []
    for is_sum, row, src, key in zip(
        use_sum, has_row, pub_sources, raw["sum_sources_key"], strict=True
    ):
        if is_sum:
            sources.append(summed[int(key)])
        elif row:
            if src not in described:
                described[src] = [source_dict(src)]
            sources.append(described[src])
        else:
            sources.append([])
    return pd.DataFrame(
        {
            "period": raw["period"].astype(str).to_numpy(),
            "place": raw["place"].astype(str).to_numpy(),
            "value": np.where(use_sum, raw["sum_value"], raw["pub_value"]).astype(float),
            # A published row's note (why there is no figure) stays beside a sum.
            "note": [n if isinstance(n, str) else "" for n in raw["note"]],
            "sources": sources,
            "method": _methods(published, use_sum),
            "n_establishments": np.where(use_sum, raw["n_establishments"], np.nan).astype(float),
            "numerator": np.nan,
            "denominator": np.nan,
            "denominator_period": None,
        }
    )


def _derived_rows(catalog: Catalog, indicator: Indicator, scope: Scope) -> pd.DataFrame:
    assert indicator.numerator and indicator.denominator
    periods = (scope.period,) if scope.period is not None else periods_with_data(catalog, indicator)
    den_periods = {p: _denominator_periods(catalog, indicator, p, scope.level) for p in periods}
    raw = stats_engine(catalog).query(
        *derived_query(
            indicator.numerator,
            indicator.denominator,
            _numerator_dims(indicator, scope.dims),
            scope,
            den_periods,
        )
    )
    pub_num, pub_den = raw["pub_num"].notna().to_numpy(), raw["pub_den"].notna().to_numpy()
    pub_both = pub_num & pub_den
    summed = ~pub_both & raw["sum_num"].notna().to_numpy()
    # A sum over the establishments divided by (or into) the figure published for the place.
    sum_over_pub = ~pub_both & ~summed & pub_den & raw["num_sum"].notna().to_numpy()
    pub_over_sum = ~pub_both & ~summed & ~sum_over_pub & pub_num & raw["den_sum"].notna()
    pub_over_sum = pub_over_sum.to_numpy()
    # An establishment shows what it reports, even when one input is missing.
    partial = ~pub_both & ~summed & (scope.level == "establishment")
    keep = pub_both | summed | sum_over_pub | pub_over_sum | partial
    raw = raw[keep]
    pub_both, summed = pub_both[keep], summed[keep]
    sum_over_pub, pub_over_sum = sum_over_pub[keep], pub_over_sum[keep]
    any_sum = summed | sum_over_pub | pub_over_sum
    source_columns = ("pub_nsrc", "pub_dsrc", "sum_nsrc", "sum_dsrc", "num_sum_src", "den_sum_src")
    sources = [
        _derived_sources(kind, dict(zip(source_columns, values, strict=True)))
        for kind, values in zip(
            np.select([pub_both, summed, sum_over_pub, pub_over_sum], [0, 1, 2, 3], 4),
            zip(*(raw[c].tolist() for c in source_columns), strict=True),
            strict=True,
        )
    ]
    rows = pd.DataFrame(
        {
            "period": raw["period"].astype(str).to_numpy(),
            "place": raw["place"].astype(str).to_numpy(),
            "numerator": np.select(
                [summed, sum_over_pub], [raw["sum_num"], raw["num_sum"]], raw["pub_num"]
            ).astype(float),
            "denominator": np.select(
                [summed, pub_over_sum], [raw["sum_den"], raw["den_sum"]], raw["pub_den"]
            ).astype(float),
            "sources": sources,
            "method": _methods(pub_both, any_sum),
            "n_establishments": np.select(
                [summed, sum_over_pub, pub_over_sum],
                [raw["n_establishments"], raw["num_sum_n"], raw["den_sum_n"]],
                np.nan,
            ).astype(float),
            "note": "",
        }
    )
    rows["value"] = derive(indicator, rows["numerator"], rows["denominator"])
    # The period of the denominator used: the published one's own, else the first ranked.
    first = rows["period"].map(
        {p: ranked[0] if ranked else None for p, ranked in den_periods.items()}
    )
    uses_pub_den = pub_both | sum_over_pub | (~any_sum & raw["pub_den"].notna().to_numpy())
    rows["denominator_period"] = np.where(
        uses_pub_den, raw["pub_den_period"].astype(object).to_numpy(), first.to_numpy()
    )
    return rows


def _derived_sources(kind: int, row: dict[str, Any]) -> list[dict[str, str]]:
    """Sources of a derived row of kind 0 (both published), 1 (both summed), 2 (summed
    numerator, published denominator), 3 (published numerator, summed denominator)."""
    if kind == 0:
        return [source_dict(row["pub_nsrc"]), source_dict(row["pub_dsrc"])]
    if kind == 1:
        return summed_sources(row["sum_nsrc"], row["sum_dsrc"])
    if kind == 2:
        return [*summed_sources(row["num_sum_src"]), source_dict(row["pub_dsrc"])]
    if kind == 3:
        return [source_dict(row["pub_nsrc"]), *summed_sources(row["den_sum_src"])]
    return []


def _methods(published: np.ndarray, summed: np.ndarray) -> list[str | None]:
    return [
        "published" if is_pub else "sum_of_establishments" if is_sum else None
        for is_pub, is_sum in zip(published, summed, strict=True)
    ]


def _numerator_dims(indicator: Indicator, dims: str) -> str:
    return format_dimensions(
        {**parse_dimensions(dims), **parse_dimensions(indicator.numerator_dimensions)}
    )


def periods_with_data(catalog: Catalog, indicator: Indicator) -> tuple[str, ...]:
    """Periods where the indicator (a derived one: its numerator) has some value, at any
    level and under any dimensions."""
    return catalog.periods.get(indicator.inputs[0] if indicator.inputs else "", ())


def _denominator_periods(
    catalog: Catalog, indicator: Indicator, period: str, level: str
) -> list[str]:
    """The denominator periods to use for `period`, best first. By default one: the period
    itself, else its last month (`_denominator_period`). A `latest_available` denominator
    (a census) is taken at its latest period at or before `period`, the place's own latest
    when the place lacks that one: every such period, latest first."""
    code = indicator.denominator or ""
    if indicator.denominator_period == "same":
        return [_denominator_period(catalog, code, period, level)]
    end = period_sort_key(period)
    own = [p for p in catalog.periods.get(code, ()) if period_sort_key(p) <= end]
    return sorted(own, key=period_sort_key, reverse=True)


def _denominator_period(catalog: Catalog, code: str, period: str, level: str) -> str:
    """The period itself if the denominator has figures for it at this level (or for the
    establishments summed into it), else the period's last month (a stock at its end)."""
    if period not in catalog.periods.get(code, ()):
        parsed = parse_period(period)
        return period if parsed.granularity == "month" else parsed.end_month
    valued = stats_engine(catalog).valued_periods
    if (code, level, period) in valued or (code, "establishment", period) in valued:
        return period
    return parse_period(period).end_month


def compute(
    catalog: Catalog,
    indicator: Indicator,
    level: str,
    period: str,
    dimensions: dict[str, str] | None = None,
) -> LevelValues:
    """Values of `indicator` for every place of `level` in `period` (see module docstring)."""
    dims = format_dimensions(dimensions or {})
    rows = level_rows(catalog, indicator, Scope(level, dims, period=period))
    den_period = None
    if not indicator.is_stored:
        den_period = _map_denominator_period(catalog, indicator, period, level, rows)
    frame = on_places(place_names(catalog, level), rows.set_index("place"))
    return LevelValues(indicator, level, period, den_period, dims, frame)


def _map_denominator_period(
    catalog: Catalog, indicator: Indicator, period: str, level: str, rows: pd.DataFrame
) -> str | None:
    """The denominator period of a map: the one its values used (several, comma-separated,
    when places used different ones), else the first ranked for the period."""
    used = sorted(
        {str(p) for p in rows.loc[rows["value"].notna(), "denominator_period"].dropna()},
        key=period_sort_key,
    )
    if used:
        return ", ".join(used)
    ranked = _denominator_periods(catalog, indicator, period, level)
    return ranked[0] if ranked else None


def on_places(names: pd.Series, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows (indexed by place) spread over every place of the level, with the defaults of a
    gap: value None, status 'missing', no sources."""
    rows = rows.reindex(names.index)
    value = rows["value"].astype(float)
    # One constructor, not a column at a time (each insert cost as much as the whole query).
    return pd.DataFrame(
        {
            "name": names.to_numpy(),
            "value": value,
            "note": rows["note"].fillna(""),
            "sources": [s if isinstance(s, list) else [] for s in rows["sources"]],
            "method": rows["method"].astype(object).where(rows["method"].notna(), None),
            **{c: rows[c].astype(float) for c in ("n_establishments", "numerator", "denominator")},
            "status": np.where(value.notna(), "ok", "missing"),
        },
        index=names.index,
    )


def derive(indicator: Indicator, numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Apply the indicator's formula to summed numerators and denominators."""
    num = numerator.astype(float)
    den = denominator.astype(float)
    safe_den = den.where(den != 0)
    if indicator.aggregation == "difference":
        return num - den
    if indicator.aggregation == "ratio":
        return num / safe_den * indicator.scale
    if indicator.aggregation == "excess_ratio":
        return (num - den) / safe_den * indicator.scale
    if indicator.aggregation == "excess_flag":
        share = (num - den) / safe_den
        return share.gt(indicator.threshold or 0.0).astype(float).where(share.notna())
    raise InvalidParameterError(f"indicator '{indicator.code}' cannot be derived")


def periods_by_level(catalog: Catalog, indicator: Indicator) -> dict[str, tuple[str, ...]]:
    """For each level, the sorted periods where at least one place of it has a value of
    `indicator` (total, no dimension filter), exactly as `compute` would find it. Levels
    without any period are left out. Computed once per snapshot, indicator and level."""
    by_level = {level: periods_at_level(catalog, indicator, level) for level in LEVELS}
    return {level: periods for level, periods in by_level.items() if periods}


def periods_at_level(catalog: Catalog, indicator: Indicator, level: str) -> tuple[str, ...]:
    """`periods_by_level` for one level (what a default period needs)."""
    return per_snapshot(
        catalog,
        ("periods_at_level", indicator.code, level),
        lambda: _periods_at_level(catalog, indicator, level),
    )


def latest_period(catalog: Catalog, indicator: Indicator, level: str) -> str | None:
    """The latest period with a value of `indicator` at some place of `level`: the default
    period of every front (JSON API, WMS TIME, OGC API, exports, viewer)."""
    periods = periods_at_level(catalog, indicator, level)
    return periods[-1] if periods else None


def _periods_at_level(catalog: Catalog, indicator: Indicator, level: str) -> tuple[str, ...]:
    candidates = periods_with_data(catalog, indicator)
    if indicator.aggregation == "none":
        valued = stats_engine(catalog).valued_periods
        return tuple(p for p in candidates if (indicator.code, level, p) in valued)
    scope = Scope(level, "")
    if indicator.is_stored:
        use_rollup = level in AGGREGATE_LEVELS and indicator.aggregation == "sum"
        query = stored_query(indicator.code, scope, use_rollup)
        condition = "r.pub_value IS NOT NULL OR r.sum_value IS NOT NULL"
    else:
        assert indicator.numerator and indicator.denominator
        query = derived_query(
            indicator.numerator,
            indicator.denominator,
            _numerator_dims(indicator, ""),
            scope,
            {p: _denominator_periods(catalog, indicator, p, level) for p in candidates},
        )
        # What `derive` gives a value for: both inputs, and a divisor other than 0.
        any_divisor = "TRUE" if indicator.aggregation == "difference" else "FALSE"
        condition = f"""CASE
            WHEN r.pub_num IS NOT NULL AND r.pub_den IS NOT NULL THEN {any_divisor} OR r.pub_den <> 0
            WHEN r.sum_num IS NOT NULL THEN {any_divisor} OR r.sum_den <> 0
            WHEN r.num_sum IS NOT NULL AND r.pub_den IS NOT NULL THEN {any_divisor} OR r.pub_den <> 0
            WHEN r.pub_num IS NOT NULL AND r.den_sum IS NOT NULL THEN {any_divisor} OR r.den_sum <> 0
            ELSE FALSE END"""
    with_value = set(stats_engine(catalog).periods_with_value(*query, condition))
    return tuple(p for p in candidates if p in with_value)
