"""A choropleth: values of one indicator for every place of a level, classified and coloured."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd

from app.catalog.snapshot import Catalog
from app.domain.display import MISSING_TEXT, YES_NO, decimals_for, display_value
from app.domain.params import check_lang, check_level, resolve_indicator, resolve_period
from app.domain.places import (
    MAP_LEVELS,
    attribution,
    level_geometries,
    level_geometry_json,
)
from app.domain.values import classify_places, published_values
from app.errors import InvalidParameterError
from app.exports.download import Download, sources_text
from app.exports.layout import Layout
from app.exports.mapimage import map_image
from app.stats.classify import (
    DEFAULT_CLASSES,
    DEFAULT_METHOD,
    DEFAULT_PALETTE,
    MISSING_COLOR,
    SUPPRESSED_COLOR,
    check_classes,
    check_method,
    palette_colors,
)
from app.stats.indicators import Indicator
from app.stats.suppress import SuppressionPolicy

SUPPRESSED_LABEL = {"es": "Dato reservado (pocos casos)", "en": "Withheld (few cases)"}


@dataclass(frozen=True)
class ChoroplethParams:
    indicator: str
    level: str = "departamento"
    period: str | None = None
    method: str = DEFAULT_METHOD
    classes: int = DEFAULT_CLASSES
    palette: str = DEFAULT_PALETTE
    breaks: tuple[float, ...] | None = None
    lang: str = "es"
    dimensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Choropleth:
    """Features (one row per place, in the map's order; geometries in `geometry_json`, by
    place code) plus the legend and metadata."""

    indicator: Indicator
    level: str
    period: str
    denominator_period: str | None
    dimensions: str
    lang: str
    features: pd.DataFrame
    legend: dict[str, Any]
    data_version: int
    attribution: str
    geometries: gpd.GeoSeries  # the level's, by place code (for the GIS downloads)
    geometry_json: Mapping[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.indicator.label(self.lang)} — {self.period}"

    def to_geojson(self) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "indicator": {
                "code": self.indicator.code,
                "label": self.indicator.label(self.lang),
                "unit": self.indicator.unit,
            },
            "level": self.level,
            "period": self.period,
            "denominator_period": self.denominator_period,
            "dimensions": self.dimensions,
            "legend": self.legend,
            "data_version": self.data_version,
            "attribution": self.attribution,
            "features": [
                _feature(dict(zip(PROPERTY_COLUMNS, values, strict=True)), self.geometry_json)
                for values in zip(
                    *(self.features[_COLUMN.get(name, name)].tolist() for name in PROPERTY_COLUMNS),
                    strict=True,
                )
            ],
        }


PROPERTY_COLUMNS = (
    "code",
    "name",
    "value",
    "numerator",
    "denominator",
    "status",
    "display",
    "class",
    "color",
    "method",
    "n_establishments",
    "sources",
)
_COLUMN = {"class": "class_"}  # the frame's name of a property ('class' is a keyword)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _feature(
    values: dict[str, Any], geometries: Mapping[str, dict[str, Any] | None]
) -> dict[str, Any]:
    props = {name: _clean(value) for name, value in values.items()}
    for name in ("n_establishments", "class"):
        if props[name] is not None:
            props[name] = int(props[name])
    return {
        "type": "Feature",
        "id": props["code"],
        "geometry": geometries.get(props["code"]),
        "properties": props,
    }


def build_choropleth(
    catalog: Catalog, params: ChoroplethParams, policy: SuppressionPolicy
) -> Choropleth:
    """Compute and suppress (`published_values`), classify and colour (`classify_places`)."""
    lang = check_lang(params.lang)
    indicator = resolve_indicator(catalog, params.indicator)
    level = check_level(params.level, MAP_LEVELS)
    if indicator.aggregation == "none":
        raise InvalidParameterError(
            f"indicator '{indicator.code}' is national only: see /api/v1/policy-indicators"
        )
    period = resolve_period(catalog, indicator, params.period, level)
    check_method(params.method)
    if params.method != "manual":
        check_classes(params.classes)
    palette_colors(params.palette, 3)  # unknown palette: 400 listing the valid ones
    values = published_values(catalog, indicator, level, period, policy, params.dimensions)
    frame = values.frame
    if level == "distrito":
        frame = frame[frame["status"] != "missing"]
        if frame.empty:
            raise InvalidParameterError(
                f"no distrito has data for '{indicator.code}' in {period}; valid levels "
                "with data: oficina_regional, departamento, provincia"
            )
    classified = classify_places(
        frame, params.method, params.classes, params.palette, params.breaks
    )
    frame = frame.copy()
    frame["code"] = frame.index.astype(str)
    frame["class_"] = list(classified.classification.classes)
    frame["color"] = classified.colors
    frame["display"] = [
        display_value(indicator, v, st, rng, lang)
        for v, st, rng in zip(
            frame["value"], frame["status"], frame["suppressed_range"], strict=True
        )
    ]
    n_missing = int((frame["status"] == "missing").sum())
    n_suppressed = int((frame["status"] == "suppressed").sum())
    legend = {
        "method": params.method,
        "palette": params.palette,
        "classes": [
            {
                "class": e.class_,
                "lower": e.lower,
                "upper": e.upper,
                "color": e.color,
                "label": e.label,
                "count": e.count,
            }
            for e in classified.legend
        ],
        "missing": {"color": MISSING_COLOR, "label": MISSING_TEXT[lang], "count": n_missing},
        "suppressed": {
            "color": SUPPRESSED_COLOR,
            "label": SUPPRESSED_LABEL[lang],
            "count": n_suppressed,
        },
    }
    return Choropleth(
        indicator=indicator,
        level=level,
        period=period,
        denominator_period=values.denominator_period,
        dimensions=values.dimensions,
        lang=lang,
        features=frame,
        legend=legend,
        data_version=catalog.version,
        attribution=attribution(lang),
        geometries=level_geometries(catalog, level),
        geometry_json=level_geometry_json(catalog, level),
    )


# The download table has the same columns as the map's feature properties (plus the period);
# people see these, in this order ('class', 'color' and 'display' only with columns=all; the
# withheld range shows in the status).
TABLE_COLUMNS = (*PROPERTY_COLUMNS, "period", "suppressed_range")
PEOPLE_COLUMNS = (
    "name",
    "code",
    "value",
    "numerator",
    "denominator",
    "period",
    "status",
    "method",
    "n_establishments",
    "sources",
)
_COLUMN = {"class": "class_"}  # the frame's name of a property ('class' is a keyword)


def _tables(
    choropleth: Choropleth, rows: list[dict[str, Any]]
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The download table and the GIS layer (the same rows with their geometries)."""
    table = pd.DataFrame(
        [
            {
                **r,
                "sources": sources_text(r["sources"]),
                "period": choropleth.period,
                "suppressed_range": withheld,
            }
            for r, withheld in zip(rows, choropleth.features["suppressed_range"], strict=True)
        ],
        columns=list(TABLE_COLUMNS),
    )
    geo = gpd.GeoDataFrame(
        table.drop(columns=["class"])
        .assign(class_=table["class"])
        .rename(columns={"class_": "klass"}),
        geometry=list(choropleth.geometries.reindex(choropleth.features.index)),
        crs="EPSG:4326",
    )
    return table, geo


def table_layout(choropleth: Choropleth) -> Layout:
    """Sorted by value, rounded as the map shows it; counts as whole numbers; yes/no in words."""
    return Layout(
        columns=PEOPLE_COLUMNS,
        units={"value": choropleth.indicator.unit} if choropleth.indicator.unit else {},
        decimals={
            "value": decimals_for(choropleth.indicator),
            "numerator": 0,
            "denominator": 0,
            "n_establishments": 0,
        },
        sort_by="value",
        labels={"value": dict(enumerate(YES_NO[choropleth.lang]))}
        if choropleth.indicator.aggregation == "excess_flag"
        else {},
    )


def choropleth_download(choropleth: Choropleth, with_tables: bool = True) -> Download:
    """The choropleth as a Download: table, GIS layer, map picture, web map, sources.
    `with_tables=False` (a JSON or GeoJSON answer, made from the body alone) leaves the
    table empty and no GIS layer: building them cost as much as the rest of a JSON answer."""
    body = choropleth.to_geojson()
    rows = [f["properties"] for f in body["features"]]
    table, geo = (
        _tables(choropleth, rows)
        if with_tables
        else (pd.DataFrame(columns=list(TABLE_COLUMNS)), None)
    )
    documents = sorted({s["document"] for r in rows for s in r["sources"] if s.get("document")})
    subtitle = {
        "es": f"Nivel: {choropleth.level} · Periodo: {choropleth.period}",
        "en": f"Level: {choropleth.level} · Period: {choropleth.period}",
    }[choropleth.lang]
    source_line = (
        ("Fuente: " if choropleth.lang == "es" else "Source: ")
        + "; ".join(documents)
        + ". "
        + choropleth.attribution
    )

    dims = (
        f"_{choropleth.dimensions.replace(';', '_').replace('=', '-')}"
        if choropleth.dimensions
        else ""
    )
    return Download(
        title=choropleth.title,
        filename=f"siep_{choropleth.indicator.code}_{choropleth.level}_{choropleth.period}{dims}",
        table=table,
        json_body=body,
        lang=choropleth.lang,
        sources=tuple(documents),
        notes=tuple(
            n
            for n in (
                f"denominator_period: {choropleth.denominator_period}"
                if choropleth.denominator_period
                else "",
            )
            if n
        ),
        attribution=choropleth.attribution,
        geo=geo,
        legend=choropleth.legend,
        image=partial(map_image, body, choropleth.title, subtitle, source_line),
        layout=table_layout(choropleth),
    )
