"""Geometries of the places of a level, as GeoJSON-ready dicts cached per catalog version."""

from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import mapping

from app.catalog.snapshot import Catalog

MAP_LEVELS = ("oficina_regional", "departamento", "provincia", "distrito", "establishment")
_lock = threading.Lock()
_cache: dict[tuple[int, str], gpd.GeoSeries] = {}


def level_geometries(catalog: Catalog, level: str) -> gpd.GeoSeries:
    """Geometry of each place of `level` (EPSG:4326), indexed by code.

    Districts are points at their capitals (no district polygons ship); establishments are
    points; the others are (multi)polygons.
    """
    key = (catalog.version, level)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    if level == "oficina_regional":
        geoms = catalog.regions.geometry
    elif level == "establishment":
        geoms = catalog.establishments.geometry
    else:
        units = catalog.units_at(level)
        geoms = units.geometry
        if level == "distrito" or geoms.isna().any():
            geoms = gpd.GeoSeries(
                [
                    g if g is not None else c
                    for g, c in zip(units.geometry, units["capital"], strict=True)
                ],
                index=units.index,
                crs="EPSG:4326",
            )
    geoms = gpd.GeoSeries(geoms, crs="EPSG:4326")
    geoms.index = geoms.index.astype(str)
    with _lock:
        for old in [k for k in _cache if k[0] != catalog.version]:
            del _cache[old]
        _cache[key] = geoms
    return geoms


def geometry_json(geometry: Any) -> dict[str, Any] | None:
    if geometry is None or shapely.is_empty(geometry):
        return None
    return dict(mapping(geometry))


ATTRIBUTION = {
    "es": "Cifras: INPE. Límites: geoBoundaries gbOpen (CC BY 3.0 IGO), códigos UBIGEO del INEI.",
    "en": "Figures: INPE. Boundaries: geoBoundaries gbOpen (CC BY 3.0 IGO), INEI UBIGEO codes.",
}


def attribution(lang: str) -> str:
    """Who made the figures and boundaries shown (credited on every map and download)."""
    return ATTRIBUTION.get(lang, ATTRIBUTION["es"])
