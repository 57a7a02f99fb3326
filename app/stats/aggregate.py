"""Values of any indicator for every place of a level and a period, computed from the catalog.

Rules (documented in the README):
- A figure published for the place itself wins; otherwise a sum over the establishments
  located in the place (by UBIGEO or oficina regional), with the count that reported.
- A derived indicator is recomputed from the summed numerator and denominator; when summing
  establishments, only those that report both enter either sum.
- A denominator missing for a quarter or year is taken at the period's last month (stock at
  the end of the period), and the response says so.
- Every place of the level is present; places without data have value None and status
  'missing'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import NATIONAL_CODE, format_dimensions, parse_period
from app.errors import InvalidParameterError
from app.stats.indicators import CORE_REGISTRY, Indicator, IndicatorRegistry

AGGREGATE_LEVELS = ("national", "oficina_regional", "departamento", "provincia", "distrito")


@dataclass(frozen=True)
class LevelValues:
    """Result of `compute`: one row per place of the level (index = place code).

    Columns: name, value, numerator, denominator, status ('ok' | 'missing'), method
    ('published' | 'sum_of_establishments'), n_establishments, sources (list of dicts).
    """

    indicator: Indicator
    level: str
    period: str
    denominator_period: str | None
    dimensions: str
    frame: pd.DataFrame


def registry_for(catalog: Catalog) -> IndicatorRegistry:
    """Core indicators plus those declared only in the store (policy indicators)."""
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


def place_names(catalog: Catalog, level: str) -> pd.Series:
    """Names of every place of a level, indexed by code."""
    if level == "national":
        return pd.Series({NATIONAL_CODE: "Perú"})
    if level == "oficina_regional":
        return catalog.regions["name"]
    if level == "establishment":
        return catalog.establishments["name"]
    return catalog.units_at(level)["name"]


def establishment_group(catalog: Catalog, level: str) -> pd.Series:
    """For each establishment code, the code of the place of `level` that contains it."""
    est = catalog.establishments
    if level == "national":
        return pd.Series(NATIONAL_CODE, index=est.index)
    if level == "oficina_regional":
        return est["oficina_regional"]
    if level == "departamento":
        return est["departamento"]
    if level == "provincia":
        return est["provincia"]
    if level == "distrito":
        return est["ubigeo"]
    return pd.Series(est.index, index=est.index)


def _slice(catalog: Catalog, code: str, period: str, dims: str, place_type: str) -> pd.DataFrame:
    obs = catalog.observations
    mask = (
        (obs["indicator"].values == code)
        & (obs["place_type"].values == place_type)
        & (obs["period"].values == period)
        & (obs["dimensions"].values == dims)
    )
    return obs[mask]


def _source(row: pd.Series) -> dict[str, str]:
    return {
        "dataset": str(row["dataset_title"]),
        "document": str(row["source_document"]),
        "table": str(row["source_table"]),
        "locator": str(row["source_locator"]),
    }


def _published(catalog: Catalog, code: str, level: str, period: str, dims: str) -> pd.DataFrame:
    rows = _slice(catalog, code, period, dims, level)
    return pd.DataFrame(
        {
            "value": rows["value"].to_numpy(dtype=float),
            "note": rows["note"].to_numpy(),
            "sources": [[_source(r)] for _, r in rows.iterrows()],
        },
        index=rows["place_code"].to_numpy(),
    )


def _establishment_values(catalog: Catalog, code: str, period: str, dims: str) -> pd.Series:
    rows = _slice(catalog, code, period, dims, "establishment")
    rows = rows[rows["value"].notna()]
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["place_code"].to_numpy())


def _sum_establishments(catalog: Catalog, level: str, values: dict[str, pd.Series]) -> pd.DataFrame:
    """Sum each series over establishments of each place, using only establishments that
    report every series (so a numerator and its denominator cover the same prisons)."""
    common = None
    for series in values.values():
        common = series.index if common is None else common.intersection(series.index)
    assert common is not None
    groups = establishment_group(catalog, level).reindex(common)
    out = pd.DataFrame({k: s.reindex(common) for k, s in values.items()})
    out["group"] = groups.to_numpy()
    out = out[out["group"].notna()]
    summed = out.groupby("group").sum()
    summed["n_establishments"] = out.groupby("group").size()
    return summed


def _resolve_input(
    catalog: Catalog, code: str, level: str, period: str, dims: str
) -> tuple[pd.DataFrame, pd.Series]:
    """Published values at the level and per-establishment values for one stored input."""
    published = _published(catalog, code, level, period, dims)
    return published, _establishment_values(catalog, code, period, dims)


def _denominator_period(catalog: Catalog, code: str, period: str, level: str) -> str:
    """The period itself if the denominator has figures for it at this level (or for the
    establishments summed into it), else the period's last month (a stock at its end)."""
    if period not in catalog.periods.get(code, ()):
        parsed = parse_period(period)
        return period if parsed.granularity == "month" else parsed.end_month
    obs = catalog.observations
    at_level = (
        (obs["indicator"].to_numpy() == code)
        & (obs["period"].to_numpy() == period)
        & obs["place_type"].isin([level, "establishment"]).to_numpy()
        & obs["value"].notna().to_numpy()
    )
    if at_level.any():
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
    names = place_names(catalog, level)
    frame = pd.DataFrame(index=names.index.astype(str))
    frame["name"] = names.to_numpy()
    den_period = None
    if indicator.is_stored:
        frame = _stored_values(catalog, indicator, level, period, dims, frame)
    else:
        den_period = _denominator_period(catalog, indicator.denominator or "", period, level)
        frame = _derived_values(catalog, indicator, level, period, den_period, dims, frame)
    frame["status"] = np.where(frame["value"].notna(), "ok", "missing")
    return LevelValues(indicator, level, period, den_period, dims, frame)


def _stored_values(
    catalog: Catalog,
    indicator: Indicator,
    level: str,
    period: str,
    dims: str,
    frame: pd.DataFrame,
) -> pd.DataFrame:
    published, per_est = _resolve_input(catalog, indicator.code, level, period, dims)
    frame["value"] = published["value"].reindex(frame.index)
    frame["note"] = published["note"].reindex(frame.index).fillna("")
    frame["sources"] = published["sources"].reindex(frame.index)
    frame["method"] = np.where(frame["value"].notna(), "published", None)  # type: ignore[call-overload]
    frame["n_establishments"] = np.nan
    frame["numerator"] = np.nan
    frame["denominator"] = np.nan
    if level in AGGREGATE_LEVELS and indicator.aggregation == "sum" and len(per_est):
        summed = _sum_establishments(catalog, level, {"value": per_est})
        fill = frame["value"].isna() & frame.index.isin(summed.index)
        idx = frame.index[fill]
        frame.loc[idx, "value"] = summed.loc[idx, "value"].to_numpy()
        frame.loc[idx, "n_establishments"] = summed.loc[idx, "n_establishments"].to_numpy()
        frame.loc[idx, "method"] = "sum_of_establishments"
    frame["sources"] = [s if isinstance(s, list) else [] for s in frame["sources"]]
    return frame


def _derived_values(
    catalog: Catalog,
    indicator: Indicator,
    level: str,
    period: str,
    den_period: str,
    dims: str,
    frame: pd.DataFrame,
) -> pd.DataFrame:
    assert indicator.numerator and indicator.denominator
    num_dims = format_dimensions(
        {
            **dict(p.split("=", 1) for p in dims.split(";") if p),
            **dict(p.split("=", 1) for p in indicator.numerator_dimensions.split(";") if p),
        }
    )
    num_pub, num_est = _resolve_input(catalog, indicator.numerator, level, period, num_dims)
    den_pub, den_est = _resolve_input(catalog, indicator.denominator, level, den_period, dims)
    numerator = num_pub["value"].reindex(frame.index)
    denominator = den_pub["value"].reindex(frame.index)
    both_published = numerator.notna() & denominator.notna()
    frame["method"] = np.where(both_published, "published", None)  # type: ignore[call-overload]
    frame["n_establishments"] = np.nan
    frame["numerator"] = numerator.where(both_published)
    frame["denominator"] = denominator.where(both_published)
    sources = num_pub["sources"].reindex(frame.index)
    den_sources = den_pub["sources"].reindex(frame.index)
    frame["sources"] = [
        (a if isinstance(a, list) else []) + (b if isinstance(b, list) else []) if ok else []
        for a, b, ok in zip(sources, den_sources, both_published, strict=True)
    ]
    if level in AGGREGATE_LEVELS and len(num_est) and len(den_est):
        summed = _sum_establishments(catalog, level, {"num": num_est, "den": den_est})
        fill = ~both_published & frame.index.isin(summed.index)
        idx = frame.index[fill]
        frame.loc[idx, "numerator"] = summed.loc[idx, "num"].to_numpy()
        frame.loc[idx, "denominator"] = summed.loc[idx, "den"].to_numpy()
        frame.loc[idx, "n_establishments"] = summed.loc[idx, "n_establishments"].to_numpy()
        frame.loc[idx, "method"] = "sum_of_establishments"
    elif level == "establishment":
        num = num_est.reindex(frame.index)
        den = den_est.reindex(frame.index)
        frame["numerator"], frame["denominator"] = num, den
    frame["value"] = derive(indicator, frame["numerator"], frame["denominator"])
    frame["note"] = ""
    return frame


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
