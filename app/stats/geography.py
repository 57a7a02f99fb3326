"""Places of each level, the place of each level that contains an establishment, and
geometries as GeoJSON.

Names and groups depend on the catalog alone, so each is computed once per snapshot
(app/stats/snapshot_cache.py). Shared objects: callers must not mutate them.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from app.catalog.snapshot import Catalog
from app.codes import NATIONAL_CODE
from app.stats.snapshot_cache import per_snapshot

AGGREGATE_LEVELS = ("national", "oficina_regional", "departamento", "provincia", "distrito")
_GROUP_COLUMN = {
    "oficina_regional": "oficina_regional",
    "departamento": "departamento",
    "provincia": "provincia",
    "distrito": "ubigeo",
}


def level_places(catalog: Catalog, level: str) -> gpd.GeoDataFrame:
    """The places of a level other than national, indexed by code, with their attributes and
    geometry: the oficinas regionales, the establishments, or the INEI units of the level."""
    if level == "oficina_regional":
        return catalog.regions
    if level == "establishment":
        return catalog.establishments
    return catalog.units_at(level)


def place_names(catalog: Catalog, level: str) -> pd.Series:
    """Names of every place of a level, indexed by code (shared: do not mutate)."""

    def build() -> pd.Series:
        if level == "national":
            names = pd.Series({NATIONAL_CODE: "Perú"})
        else:
            names = level_places(catalog, level)["name"].copy()
        names.index = names.index.astype(str)
        return names

    return per_snapshot(catalog, ("place_names", level), build)


def establishment_group(catalog: Catalog, level: str) -> pd.Series:
    """For each establishment code, the code of the place of `level` that contains it."""

    def build() -> pd.Series:
        est = catalog.establishments
        if level == "national":
            return pd.Series(NATIONAL_CODE, index=est.index)
        column = _GROUP_COLUMN.get(level)
        if column is not None:
            return est[column].copy()
        return pd.Series(est.index, index=est.index)

    return per_snapshot(catalog, ("establishment_group", level), build)


def geometry_json(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    """A GeoJSON geometry object with lists, not shapely's tuples (templates and encoders want
    lists); None for a missing or empty geometry. Every front's GeoJSON comes from here.

    GEOS writes it (shapely.to_geojson, read back by orjson): the same numbers as shapely's
    `mapping`, as fast, where walking mapping's tuples into lists in Python took 3-4 times as
    long (measured on the shipped provincias and distritos)."""
    if geometry is None or shapely.is_empty(geometry):
        return None
    plain: dict[str, Any] = orjson.loads(shapely.to_geojson(geometry))
    return plain
