"""Values of any indicator for every place of a level and a period, computed from the catalog.

Rules (documented in the README):
- A figure published for the place itself wins; otherwise a sum over the establishments
  located in the place (by UBIGEO or oficina regional), with the count that reported and the
  distinct sources (dataset, document, table) of the rows that entered the sum.
- A derived indicator is recomputed from the summed numerator and denominator; when summing
  establishments, only those that report both enter either sum.
- A denominator missing for a quarter or year is taken at the period's last month (stock at
  the end of the period), and the response says so.
- Every place of the level is present; places without data have value None and status
  'missing'.
Whatever depends on the catalog alone (registry, names, groups, observation index, periods by
level) is computed once per snapshot (app/stats/snapshot_cache.py), never per request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import LEVELS, NATIONAL_CODE, format_dimensions, parse_dimensions, parse_period
from app.errors import InvalidParameterError
from app.stats.indicators import CORE_REGISTRY, Indicator, IndicatorRegistry
from app.stats.observation_index import ObservationIndex, observation_index, source_dict
from app.stats.snapshot_cache import per_snapshot

AGGREGATE_LEVELS = ("national", "oficina_regional", "departamento", "provincia", "distrito")
SPARSE_COLUMNS = (
    "value",
    "note",
    "sources",
    "method",
    "n_establishments",
    "numerator",
    "denominator",
)


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


def place_names(catalog: Catalog, level: str) -> pd.Series:
    """Names of every place of a level, indexed by code (shared: do not mutate)."""

    def build() -> pd.Series:
        if level == "national":
            names = pd.Series({NATIONAL_CODE: "Perú"})
        elif level == "oficina_regional":
            names = catalog.regions["name"].copy()
        elif level == "establishment":
            names = catalog.establishments["name"].copy()
        else:
            names = catalog.units_at(level)["name"].copy()
        names.index = names.index.astype(str)
        return names

    return per_snapshot(catalog, ("place_names", level), build)


def establishment_group(catalog: Catalog, level: str) -> pd.Series:
    """For each establishment code, the code of the place of `level` that contains it."""

    def build() -> pd.Series:
        est = catalog.establishments
        if level == "national":
            return pd.Series(NATIONAL_CODE, index=est.index)
        column = {
            "oficina_regional": "oficina_regional",
            "departamento": "departamento",
            "provincia": "provincia",
            "distrito": "ubigeo",
        }.get(level)
        if column is not None:
            return est[column].copy()
        return pd.Series(est.index, index=est.index)

    return per_snapshot(catalog, ("establishment_group", level), build)


def _establishment_inputs(
    index: ObservationIndex, code: str, period: str, dims: str
) -> pd.DataFrame:
    """Establishment figures that may be summed into a higher level (complete datasets)."""
    return index.rollup_values(code, period, dims)


def _sum_establishments(
    catalog: Catalog, level: str, inputs: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Sum each input's values over the establishments of each place, using only
    establishments that report every input (so a numerator and its denominator cover the
    same prisons). Columns: one per input, n_establishments, sources (distinct dataset,
    document and table of the rows summed; the locator is left empty)."""
    common: pd.Index | None = None
    for frame in inputs.values():
        common = frame.index if common is None else common.intersection(frame.index)
    assert common is not None
    groups = establishment_group(catalog, level).reindex(common)
    keep = groups.notna().to_numpy()
    common, groups = common[keep], groups[keep]
    out = pd.DataFrame({k: f["value"].reindex(common).to_numpy() for k, f in inputs.items()})
    out["group"] = groups.to_numpy()
    summed = out.groupby("group").sum()
    summed["n_establishments"] = out.groupby("group").size()
    cited = pd.DataFrame(
        {
            "group": np.concatenate([groups.to_numpy() for _ in inputs]),
            "source": [s[:3] for f in inputs.values() for s in f["source"].reindex(common)],
        }
    ).drop_duplicates()
    by_group = cited.groupby("group")["source"].agg(
        lambda s: sorted(set(s), key=lambda t: (t[1], t[2], t[0]))
    )
    summed["sources"] = [[source_dict((*s, "")) for s in by_group.get(g, [])] for g in summed.index]
    return summed


def _denominator_period(catalog: Catalog, code: str, period: str, level: str) -> str:
    """The period itself if the denominator has figures for it at this level (or for the
    establishments summed into it), else the period's last month (a stock at its end)."""
    if period not in catalog.periods.get(code, ()):
        parsed = parse_period(period)
        return period if parsed.granularity == "month" else parsed.end_month
    valued = observation_index(catalog).valued_periods
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
    den_period = None
    if indicator.is_stored:
        sparse = _stored_values(catalog, indicator, level, period, dims)
    else:
        den_period = _denominator_period(catalog, indicator.denominator or "", period, level)
        sparse = _derived_values(catalog, indicator, level, period, den_period, dims)
    frame = _on_places(place_names(catalog, level), sparse)
    return LevelValues(indicator, level, period, den_period, dims, frame)


def _on_places(names: pd.Series, sparse: pd.DataFrame) -> pd.DataFrame:
    """The sparse values spread over every place of the level, with the defaults of a gap."""
    frame = pd.DataFrame({"name": names.to_numpy()}, index=names.index)
    rows = sparse.reindex(frame.index)
    frame["value"] = rows["value"].astype(float)
    frame["note"] = rows["note"].fillna("")
    frame["sources"] = [s if isinstance(s, list) else [] for s in rows["sources"]]
    frame["method"] = rows["method"].astype(object).where(rows["method"].notna(), None)
    for column in ("n_establishments", "numerator", "denominator"):
        frame[column] = rows[column].astype(float)
    frame["status"] = np.where(frame["value"].notna(), "ok", "missing")
    return frame


def _empty_sparse() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in SPARSE_COLUMNS})


def _stored_values(
    catalog: Catalog, indicator: Indicator, level: str, period: str, dims: str
) -> pd.DataFrame:
    """Rows only for places with a published row or an establishment sum."""
    index = observation_index(catalog)
    published = index.slice(indicator.code, level, period, dims)
    out = pd.DataFrame(
        {
            "value": published["value"].to_numpy(),
            "note": published["note"].to_numpy(),
            "sources": [[source_dict(s)] for s in published["source"]],
            "method": np.where(published["value"].notna(), "published", None),  # type: ignore[call-overload]
            "n_establishments": np.nan,
            "numerator": np.nan,
            "denominator": np.nan,
        },
        index=published.index,
    )
    if level not in AGGREGATE_LEVELS or indicator.aggregation != "sum":
        return out
    per_est = _establishment_inputs(index, indicator.code, period, dims)
    if not len(per_est):
        return out
    summed = _sum_establishments(catalog, level, {"value": per_est})
    fill = summed.index.difference(out.index[out["value"].notna()])
    if not len(fill):
        return out
    out = out.reindex(out.index.union(fill))
    out.loc[fill, "value"] = summed.loc[fill, "value"].to_numpy()
    out.loc[fill, "n_establishments"] = summed.loc[fill, "n_establishments"].to_numpy()
    out.loc[fill, "method"] = "sum_of_establishments"
    out["note"] = out["note"].fillna("")  # a published row's note (why no figure) stays
    out["sources"] = out["sources"].astype(object)
    for code in fill:
        out.at[code, "sources"] = summed.at[code, "sources"]
    return out


def _derived_values(
    catalog: Catalog,
    indicator: Indicator,
    level: str,
    period: str,
    den_period: str,
    dims: str,
) -> pd.DataFrame:
    assert indicator.numerator and indicator.denominator
    index = observation_index(catalog)
    num_dims = format_dimensions(
        {**parse_dimensions(dims), **parse_dimensions(indicator.numerator_dimensions)}
    )
    num_pub = index.values(indicator.numerator, level, period, num_dims)
    den_pub = index.values(indicator.denominator, level, den_period, dims)
    both = num_pub.index.intersection(den_pub.index)
    out = pd.DataFrame(
        {
            "numerator": num_pub["value"].reindex(both).to_numpy(),
            "denominator": den_pub["value"].reindex(both).to_numpy(),
            "sources": [
                [source_dict(a), source_dict(b)]
                for a, b in zip(
                    num_pub["source"].reindex(both), den_pub["source"].reindex(both), strict=True
                )
            ],
            "method": "published",
            "n_establishments": np.nan,
        },
        index=both,
    )
    if level == "establishment":
        num_est, den_est = num_pub, den_pub
    else:
        num_est = _establishment_inputs(index, indicator.numerator, period, num_dims)
        den_est = _establishment_inputs(index, indicator.denominator, den_period, dims)
    if level in AGGREGATE_LEVELS and len(num_est) and len(den_est):
        summed = _sum_establishments(catalog, level, {"num": num_est, "den": den_est})
        fill = summed.index.difference(both)
        if len(fill):
            sums = pd.DataFrame(
                {
                    "numerator": summed.loc[fill, "num"].to_numpy(),
                    "denominator": summed.loc[fill, "den"].to_numpy(),
                    "sources": summed.loc[fill, "sources"].to_numpy(),
                    "method": "sum_of_establishments",
                    "n_establishments": summed.loc[fill, "n_establishments"].to_numpy(),
                },
                index=fill,
            )
            out = pd.concat([out, sums]) if len(out) else sums
    elif level == "establishment":
        # An establishment shows what it reports, even when one input is missing.
        extra = num_est.index.union(den_est.index).difference(both)
        if len(extra):
            partial = pd.DataFrame(
                {
                    "numerator": num_est["value"].reindex(extra).to_numpy(),
                    "denominator": den_est["value"].reindex(extra).to_numpy(),
                    "sources": [[] for _ in extra],
                    "method": None,
                    "n_establishments": np.nan,
                },
                index=extra,
            )
            out = pd.concat([out, partial]) if len(out) else partial
    if not len(out):
        return _empty_sparse()
    out["value"] = derive(indicator, out["numerator"], out["denominator"])
    out["note"] = ""
    return out


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


def _periods_at_level(catalog: Catalog, indicator: Indicator, level: str) -> tuple[str, ...]:
    index = observation_index(catalog)
    candidates = catalog.periods.get(indicator.inputs[0] if indicator.inputs else "", ())
    if indicator.aggregation == "none":
        return tuple(p for p in candidates if (indicator.code, level, p) in index.valued_periods)
    if indicator.is_stored:
        return tuple(p for p in candidates if _has_stored(catalog, indicator, level, p, ""))
    return tuple(p for p in candidates if _has_derived(catalog, indicator, level, p))


def _has_stored(catalog: Catalog, indicator: Indicator, level: str, period: str, dims: str) -> bool:
    """Whether `compute` finds a value of a stored indicator at some place of `level`
    (set look-ups only: no frame is built)."""
    index = observation_index(catalog)
    names = _name_set(catalog, level)
    code = indicator.code
    if index.has_values(code, level, period, dims):
        if any(p in names for p in index.values(code, level, period, dims).index):
            return True
    if level not in AGGREGATE_LEVELS or indicator.aggregation != "sum":
        return False
    groups = _group_dict(catalog, level)
    return any(groups.get(e) in names for e in index.rollup_values(code, period, dims).index)


def _has_derived(catalog: Catalog, indicator: Indicator, level: str, period: str) -> bool:
    """Whether `compute` finds a value of a derived indicator at some place of `level`:
    a place where both inputs are published, or an establishment of a place of the level
    reporting both (ratios also need a denominator other than 0; counts are not negative,
    so a sum is 0 only when every term is)."""
    assert indicator.numerator and indicator.denominator
    index = observation_index(catalog)
    names = _name_set(catalog, level)
    num_dims = format_dimensions(parse_dimensions(indicator.numerator_dimensions))
    den_period = _denominator_period(catalog, indicator.denominator, period, level)
    needs_divisor = indicator.aggregation != "difference"

    def usable(den: float) -> bool:
        return not needs_divisor or den != 0

    num_pub = index.values(indicator.numerator, level, period, num_dims)["value"]
    den_pub = index.values(indicator.denominator, level, den_period, "")["value"]
    both = set(num_pub.index).intersection(den_pub.index)
    if any(p in names and usable(float(den_pub[p])) for p in both):
        return True
    if level not in AGGREGATE_LEVELS and level != "establishment":
        return False
    if level == "establishment":
        num_est = index.values(indicator.numerator, "establishment", period, num_dims)["value"]
        den_est = index.values(indicator.denominator, "establishment", den_period, "")["value"]
    else:
        num_est = index.rollup_values(indicator.numerator, period, num_dims)["value"]
        den_est = index.rollup_values(indicator.denominator, den_period, "")["value"]
    groups = _group_dict(catalog, level) if level != "establishment" else None
    for code in set(num_est.index).intersection(den_est.index):
        place = code if groups is None else groups.get(code)
        if place in names and place not in both and usable(float(den_est[code])):
            return True
    return False


def _name_set(catalog: Catalog, level: str) -> frozenset[str]:
    return per_snapshot(
        catalog, ("name_set", level), lambda: frozenset(place_names(catalog, level).index)
    )


def _group_dict(catalog: Catalog, level: str) -> dict[str, str]:
    def build() -> dict[str, str]:
        groups = establishment_group(catalog, level)
        return {str(k): str(v) for k, v in groups.items() if isinstance(v, str) and v}

    return per_snapshot(catalog, ("group_dict", level), build)


def compute_sparse(
    catalog: Catalog, indicator: Indicator, level: str, period: str, dims: str = ""
) -> pd.DataFrame:
    """Like `compute`, but only the places with a row (published or summed), unsorted."""
    if indicator.is_stored:
        return _stored_values(catalog, indicator, level, period, dims)
    den_period = _denominator_period(catalog, indicator.denominator or "", period, level)
    return _derived_values(catalog, indicator, level, period, den_period, dims)
