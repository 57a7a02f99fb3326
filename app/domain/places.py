"""Geometries of the places of a level, as GeoJSON-ready dicts cached per catalog version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import mapping

from app.catalog.snapshot import Catalog
from app.stats.snapshot_cache import per_snapshot

MAP_LEVELS = ("oficina_regional", "departamento", "provincia", "distrito", "establishment")


def _geometries(catalog: Catalog, level: str) -> gpd.GeoSeries:
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
    return geoms


def level_geometries(catalog: Catalog, level: str) -> gpd.GeoSeries:
    """Geometry of each place of `level` (EPSG:4326), indexed by code; once per snapshot.

    Districts are INEI 2007 polygons, or points at their capitals for the districts created
    after those limits; establishments are points; the others are (multi)polygons.
    """
    return per_snapshot(catalog, ("level_geometries", level), lambda: _geometries(catalog, level))


def level_geometry_json(catalog: Catalog, level: str) -> Mapping[str, dict[str, Any] | None]:
    """GeoJSON geometry objects of the places of `level` by code, once per snapshot
    (shapely's `mapping` was half the time of a choropleth answer). Shared: do not mutate."""

    def build() -> dict[str, dict[str, Any] | None]:
        geoms = level_geometries(catalog, level)
        return {str(code): geometry_json(g) for code, g in geoms.items()}

    return per_snapshot(catalog, ("level_geometry_json", level), build)


def geometry_json(geometry: Any) -> dict[str, Any] | None:
    if geometry is None or shapely.is_empty(geometry):
        return None
    return dict(mapping(geometry))


ATTRIBUTION = {
    "es": "Cifras: INPE. Límites: geoBoundaries gbOpen (CC BY 3.0 IGO); distritos: INEI 2007 "
    "vía juaneladio/peru-geojson (MPL-2.0); códigos UBIGEO del INEI.",
    "en": "Figures: INPE. Boundaries: geoBoundaries gbOpen (CC BY 3.0 IGO); districts: INEI 2007 "
    "via juaneladio/peru-geojson (MPL-2.0); INEI UBIGEO codes.",
}


def attribution(lang: str) -> str:
    """Who made the figures and boundaries shown (credited on every map and download)."""
    return ATTRIBUTION.get(lang, ATTRIBUTION["es"])
