"""Feature tables: each layer's features precomputed once per catalog version.

A feature carries the place's attributes, its latest figures for the layer's indicators (from
app.domain.values.published_values, the same numbers as /api/v1) and a link to its time
series (kept as a path; `feature_properties` makes it absolute with the request's base URL).
Every OGC front (pygeoapi, WFS, WMS GetFeatureInfo) and the vector tiles read these tables;
none recomputes figures.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from shapely.geometry.base import BaseGeometry

from app.catalog.snapshot import Catalog
from app.domain.catalogue import datasets_of
from app.domain.periods import layer_default_period
from app.domain.values import published_values
from app.layers import LayerDefinition, LayerSet
from app.render.simplify import GeometryBands
from app.sources import document_label
from app.stats.aggregate import LevelValues, registry_for
from app.stats.geography import geometry_json, level_places
from app.stats.snapshot_cache import per_snapshot
from app.stats.suppress import SuppressionPolicy

BBox = tuple[float, float, float, float]
PERU_BBOX_4326: BBox = (-81.5, -18.5, -68.5, 0.1)
FieldType = str  # 'string' | 'number' | 'integer'


@dataclass(frozen=True)
class FeatureTable:
    """One layer's features at one catalog version (immutable; shared between threads).

    `geometries` are shapely objects in EPSG:4326 with lon/lat order; `bounds` is an (n, 4)
    array of (minx, miny, maxx, maxy) for fast bbox filtering.
    """

    layer: LayerDefinition
    version: int
    ids: tuple[str, ...]
    properties: tuple[dict[str, Any], ...]
    geometries: tuple[BaseGeometry | None, ...]
    geojson_geometries: tuple[dict[str, Any] | None, ...]
    bounds: np.ndarray
    fields: dict[str, FieldType]
    periods: dict[str, str | None]
    values: dict[str, LevelValues] = field(repr=False, default_factory=dict)
    _index: dict[str, int] = field(repr=False, default_factory=dict)
    bands: GeometryBands | None = field(repr=False, default=None)  # polygons, for drawing

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, feature_id: str) -> int | None:
        return self._index.get(feature_id)

    @property
    def extent(self) -> BBox:
        return extent_of(self.bounds)

    def feature_properties(
        self, position: int, base_url: str, names: list[str] | None = None
    ) -> dict[str, Any]:
        """The feature's properties (only `names` when given), links made absolute."""
        props = self.properties[position]
        selected = dict(props) if names is None else {k: props.get(k) for k in names}
        path = selected.get("series_url")
        if isinstance(path, str):
            selected["series_url"] = base_url + path
        return selected

    def geojson_feature(
        self, position: int, base_url: str, names: list[str] | None = None
    ) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": self.ids[position],
            "geometry": self.geojson_geometries[position],
            "properties": self.feature_properties(position, base_url, names),
        }


BASE_FIELDS: dict[str, dict[str, FieldType]] = {
    "establishments": {
        "code": "string",
        "name": "string",
        "kind": "string",
        "oficina_regional": "string",
        "ubigeo": "string",
        "departamento": "string",
        "provincia": "string",
        "location_precision": "string",
        "population_served": "string",
    },
    "units": {
        "code": "string",
        "name": "string",
        "level": "string",
        "departamento": "string",
        "provincia": "string",
        "capital_name": "string",
        "area_km2": "number",
    },
    "regions": {"code": "string", "name": "string", "seat": "string"},
}


def layer_fields(layer: LayerDefinition) -> dict[str, FieldType]:
    """Attribute names and types of a layer (known without a catalog: from the layer file)."""
    fields = dict(BASE_FIELDS[layer.source])
    for code in layer.indicators:
        fields[code] = "number"
        fields[f"{code}_period"] = "string"
    fields["series_url"] = "string"
    return fields


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _number(value: object) -> float | int | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return None
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return round(number, 6)


def extent_of(bounds: np.ndarray) -> BBox:
    """The box around (n, 4) bounds (minx, miny, maxx, maxy; a NaN row: no geometry), or
    Peru's box when no feature has a geometry."""
    finite = bounds[~np.isnan(bounds).any(axis=1)] if len(bounds) else bounds
    if not len(finite):
        return PERU_BBOX_4326
    return (
        float(finite[:, 0].min()),
        float(finite[:, 1].min()),
        float(finite[:, 2].max()),
        float(finite[:, 3].max()),
    )


def _bounds(geoms: list[BaseGeometry | None]) -> np.ndarray:
    return np.array(
        [g.bounds if g is not None else (np.nan,) * 4 for g in geoms], dtype=float
    ).reshape(-1, 4)


def _frame_and_geometries(
    catalog: Catalog, layer: LayerDefinition
) -> tuple[Any, list[BaseGeometry | None]]:
    """The layer's places and their geometries (None where missing or empty)."""
    frame = level_places(catalog, layer.level)
    if layer.kind is not None:
        frame = frame[frame["kind"] == layer.kind]
    is_capital = layer.source == "units" and layer.geometry == "point"
    geoms = frame["capital"] if is_capital else frame.geometry
    return frame, [g if isinstance(g, BaseGeometry) and not g.is_empty else None for g in geoms]


def layer_extent(catalog: Catalog, layer: LayerDefinition) -> BBox:
    """Bounding box (lon/lat) of the layer's features, without building its feature table."""

    def build() -> BBox:
        return extent_of(_bounds(_frame_and_geometries(catalog, layer)[1]))

    return per_snapshot(catalog, ("ogc_layer_extent", layer.id), build)


def _places(
    catalog: Catalog, layer: LayerDefinition
) -> tuple[list[str], list[dict[str, Any]], list[BaseGeometry | None]]:
    frame, geoms = _frame_and_geometries(catalog, layer)
    ids = [str(i) for i in frame.index]
    base = BASE_FIELDS[layer.source]
    rows: list[dict[str, Any]] = []
    for code, record in zip(ids, frame.to_dict("records"), strict=True):
        props: dict[str, Any] = {}
        for name, kind in base.items():
            raw = code if name == "code" else record.get(name)
            props[name] = _number(raw) if kind == "number" else _text(raw)
        rows.append(props)
    return ids, rows, geoms


def layer_publications(catalog: Catalog, layer: LayerDefinition) -> tuple[str, ...]:
    """The publications (publisher, year, title: app.sources) of the figures of the layer's
    indicators, sorted; never the text extract they were read from."""

    def build() -> tuple[str, ...]:
        registry = registry_for(catalog)
        inputs = {code for i in layer.indicators for code in registry[i].inputs}
        documents = datasets_of(catalog, inputs)["source_document"]
        return tuple(sorted({document_label(d) for d in documents} - {""}))

    return per_snapshot(catalog, ("layer_publications", layer.id), build)


def series_path(indicator: str, code: str) -> str:
    """The path (below the service root) of a place's time series in /api/v1."""
    query = urlencode({"indicator": indicator, "place": code})
    return f"/api/v1/series?{query}"


def build_table(
    catalog: Catalog, layer: LayerDefinition, policy: SuppressionPolicy
) -> FeatureTable:
    """Compute one layer's features from a catalog snapshot."""
    ids, rows, geoms = _places(catalog, layer)
    periods: dict[str, str | None] = {}
    values: dict[str, LevelValues] = {}
    registry = registry_for(catalog)
    for code in layer.indicators:
        period = layer_default_period(catalog, layer, code)
        level_values = (
            None
            if period is None
            else published_values(catalog, registry[code], layer.level, period, policy)
        )
        periods[code] = level_values.period if level_values else None
        if level_values is not None:
            values[code] = level_values
            column = level_values.frame["value"].reindex(ids)
            for props, value in zip(rows, column.to_numpy(), strict=True):
                props[code] = _number(value)
                props[f"{code}_period"] = level_values.period if props[code] is not None else None
        else:
            for props in rows:
                props[code] = None
                props[f"{code}_period"] = None
    for code, props in zip(ids, rows, strict=True):
        props["series_url"] = series_path(layer.default_indicator, code)
    bounds = _bounds(geoms)
    return FeatureTable(
        layer=layer,
        version=catalog.version,
        ids=tuple(ids),
        properties=tuple(rows),
        geometries=tuple(geoms),
        geojson_geometries=tuple(geometry_json(g) for g in geoms),
        bounds=bounds,
        fields=layer_fields(layer),
        periods=periods,
        values=values,
        _index={code: i for i, code in enumerate(ids)},
        bands=GeometryBands(geoms) if layer.geometry == "polygon" else None,
    )


class FeatureTables:
    """Feature tables of every layer for the current catalog version, cached.

    When a new catalog version is first seen, every layer's table is built in a background
    thread so that later requests (and GetCapabilities extents) find them ready. The thread is
    not a daemon: one stopped by interpreter shutdown inside a DuckDB query aborts the process
    (DuckDB throws from the connection's destructor), so exit waits for it (seconds).
    """

    def __init__(self, layers: LayerSet, policy: SuppressionPolicy) -> None:
        self.layers = layers
        self.policy = policy
        self._lock = threading.Lock()
        self._layer_locks = {layer.id: threading.Lock() for layer in layers}
        self._version: int | None = None
        self._tables: dict[str, FeatureTable] = {}

    def table(self, catalog: Catalog, layer_id: str) -> FeatureTable:
        layer = self.layers.get(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        with self._lock:
            if self._version != catalog.version:
                self._version = catalog.version
                self._tables = {}
                threading.Thread(
                    target=self._warm, args=(catalog,), name="warm-feature-tables", daemon=False
                ).start()
            table = self._tables.get(layer_id)
        if table is not None:
            return table
        with self._layer_locks[layer_id]:
            with self._lock:
                table = self._tables.get(layer_id)
            if table is None or table.version != catalog.version:
                table = build_table(catalog, layer, self.policy)
                with self._lock:
                    if self._version == catalog.version:
                        self._tables[layer_id] = table
            return table

    def ready(self, catalog: Catalog, layer_id: str) -> FeatureTable | None:
        """The table if it is already built for this catalog version (never builds: callers
        on the event loop use it to avoid blocking)."""
        with self._lock:
            if self._version != catalog.version:
                return None
            return self._tables.get(layer_id)

    def _warm(self, catalog: Catalog) -> None:
        for layer in self.layers:
            if self._version != catalog.version:
                return
            self.table(catalog, layer.id)
