"""Establishments (E.P. and E.M.L.): the list with filters, and one with all its figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import (
    ESTABLISHMENT_KINDS,
    OFICINA_REGIONAL_CODES,
    parse_dimensions,
    parse_period,
    period_sort_key,
)
from app.domain.observations import sensitive_codes
from app.domain.params import check_lang
from app.domain.places import attribution
from app.errors import InvalidParameterError
from app.exports.download import Download
from app.exports.layout import Layout
from app.params import BBox
from app.params import parse_bbox as parse_strict_bbox
from app.sources import citations, describe, document_label
from app.stats.aggregate import registry_for
from app.stats.engine import source_dict, stats_engine
from app.stats.geography import geometry_json
from app.stats.snapshot_cache import per_snapshot
from app.stats.suppress import SuppressionPolicy, suppress_observations

FIELDS = [
    "code",
    "name",
    "kind",
    "oficina_regional",
    "ubigeo",
    "departamento",
    "provincia",
    "location_precision",
    "location_source",
    "population_served",
]


LATEST_INDICATORS = ("population", "capacity")
LATEST_SQL = """
SELECT place_code, period, value, dataset, document, source_table, locator FROM obs
WHERE indicator = $indicator AND place_type = 'establishment' AND dims = ''
  AND value IS NOT NULL
"""


def latest_figures(catalog: Catalog) -> dict[str, dict[str, dict[str, Any]]]:
    """For each establishment, its latest total population and capacity:
    {code: {indicator: {value, period, source}}}; once per snapshot (shared: do not mutate).
    Neither indicator is sensitive, so no suppression applies."""

    def build() -> dict[str, dict[str, dict[str, Any]]]:
        engine = stats_engine(catalog)
        result: dict[str, dict[str, dict[str, Any]]] = {}
        for code in LATEST_INDICATORS:
            rows = engine.query(LATEST_SQL, {"indicator": code})
            rows["key"] = rows["period"].map(period_sort_key)
            latest = rows.sort_values("key").drop_duplicates("place_code", keep="last")
            for row in latest.itertuples(index=False):
                source = (row.dataset, row.document, row.source_table, row.locator)
                result.setdefault(str(row.place_code), {})[code] = {
                    "value": float(row.value),
                    "period": str(row.period),
                    "source": source_dict(source),
                }
        return result

    return per_snapshot(catalog, "establishment_latest_figures", build)


def _latest_columns(codes: list[str], latest: dict[str, dict[str, dict[str, Any]]]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {}
    for indicator in LATEST_INDICATORS:
        figures = [latest.get(c, {}).get(indicator) for c in codes]
        columns[indicator] = [f["value"] if f else None for f in figures]
        columns[f"{indicator}_period"] = [f["period"] if f else None for f in figures]
    return pd.DataFrame(columns, dtype=object)  # None stays None (NaN is not JSON)


@dataclass(frozen=True)
class EstablishmentFilter:
    kind: str | None = None
    oficina_regional: str | None = None
    departamento: str | None = None
    bbox: BBox | None = None
    lang: str = "es"


def parse_bbox(text: str | None) -> BBox | None:
    """bbox=minx,miny,maxx,maxy in EPSG:4326 (lon, lat)."""
    return None if not text else parse_strict_bbox(text, "bbox (lon/lat)", is_lon_lat=True)


def list_establishments(catalog: Catalog, params: EstablishmentFilter) -> Download:
    lang = check_lang(params.lang)
    est = catalog.establishments
    if params.kind is not None and params.kind not in ESTABLISHMENT_KINDS:
        raise InvalidParameterError(
            f"unknown kind '{params.kind}'; valid: {', '.join(ESTABLISHMENT_KINDS)}"
        )
    if (
        params.oficina_regional is not None
        and params.oficina_regional not in OFICINA_REGIONAL_CODES
    ):
        raise InvalidParameterError(
            f"unknown oficina_regional '{params.oficina_regional}'; valid: {', '.join(OFICINA_REGIONAL_CODES)}"
        )
    if params.kind:
        est = est[est["kind"] == params.kind]
    if params.oficina_regional:
        est = est[est["oficina_regional"] == params.oficina_regional]
    if params.departamento:
        est = est[est["departamento"] == params.departamento]
    if params.bbox:
        minx, miny, maxx, maxy = params.bbox
        est = est.cx[minx:maxx, miny:maxy]
    table = pd.DataFrame(
        {f: est[f].astype(object).where(est[f].notna(), None) for f in FIELDS}
    ).reset_index(drop=True)
    latest = latest_figures(catalog)
    table = pd.concat([table, _latest_columns(list(table["code"]), latest)], axis=1)
    table["lon"] = [g.x if g is not None else None for g in est.geometry]
    table["lat"] = [g.y if g is not None else None for g in est.geometry]
    features = [
        {
            "type": "Feature",
            "id": r["code"],
            "geometry": geometry_json(g),
            "properties": {**r, "latest": latest.get(r["code"], {})},
        }
        for r, g in zip(
            table.drop(columns=["lon", "lat"]).to_dict("records"), est.geometry, strict=True
        )
    ]
    body = {
        "type": "FeatureCollection",
        "number_matched": len(features),
        "data_version": catalog.version,
        "attribution": attribution(lang),
        "features": features,
    }
    geo = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]).astype(dict.fromkeys(LATEST_INDICATORS, float)),
        geometry=list(est.geometry),
        crs="EPSG:4326",
    )
    return Download(
        title="Establecimientos penitenciarios" if lang == "es" else "Prison establishments",
        filename="siep_establishments" + (f"_{params.kind}" if params.kind else ""),
        table=table,
        json_body=body,
        lang=lang,
        attribution=attribution(lang),
        geo=geo,
        layout=Layout(
            columns=tuple(table.columns),
            decimals=dict.fromkeys(LATEST_INDICATORS, 0),
        ),
    )


def establishment_detail(
    catalog: Catalog, code: str, lang: str, policy: SuppressionPolicy
) -> Download:
    """One establishment with every figure published for it, over time, with sources."""
    lang = check_lang(lang)
    row = catalog.establishment(code)
    registry = registry_for(catalog)
    obs = catalog.observations
    mine = obs[(obs["place_type"] == "establishment") & (obs["place_code"] == code)]
    mine = suppress_observations(mine, sensitive_codes(catalog), policy)
    mine = mine.assign(_key=[parse_period(p).end_key for p in mine["period"]]).sort_values(
        ["indicator", "dimensions", "_key"]
    )
    figures: dict[str, Any] = {}
    for r in mine.itertuples():
        indicator = registry.get(str(r.indicator))
        entry = figures.setdefault(
            str(r.indicator),
            {
                "label": indicator.label(lang) if indicator else str(r.indicator),
                "unit": indicator.unit if indicator else "",
                "values": [],
            },
        )
        entry["values"].append(
            {
                "period": r.period,
                "dimensions": parse_dimensions(str(r.dimensions)),
                "value": None if pd.isna(r.value) else float(r.value),
                "status": r.status,
                "note": r.note if isinstance(r.note, str) else "",
                "source": describe(
                    r.dataset_title, r.source_document, r.source_table, r.source_locator
                ),
            }
        )
    properties = {f: (None if pd.isna(row[f]) else row[f]) for f in FIELDS}
    body = {
        "type": "Feature",
        "id": code,
        "geometry": geometry_json(row.geometry),
        "properties": {**properties, "figures": figures},
        "data_version": catalog.version,
    }
    table = pd.DataFrame(
        {
            "indicator": mine["indicator"],
            "period": mine["period"],
            "dimensions": mine["dimensions"],
            "value": mine["value"],
            "status": mine["status"],
            "note": mine["note"].fillna(""),
            "source_document": mine["source_document"].map(document_label),
            "source_table": mine["source_table"],
            "source_locator": mine["source_locator"],
        }
    ).reset_index(drop=True)
    return Download(
        title=str(row["name"]),
        filename=f"siep_{code}",
        table=table,
        json_body=body,
        lang=lang,
        sources=citations(mine),
        layout=Layout(columns=tuple(table.columns)),
    )
