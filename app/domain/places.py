"""Geometries of the places of a level, as GeoJSON-ready dicts cached per catalog version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from app.catalog.snapshot import Catalog
from app.codes import UNIT_LEVELS
from app.exports.jsontext import EncodedDict
from app.render.simplify import MAX_BAND, MIN_BAND, GeometryBands
from app.stats.geography import geometry_json, level_places
from app.stats.snapshot_cache import per_snapshot

MAP_LEVELS = ("oficina_regional", "departamento", "provincia", "distrito", "establishment")


def _geometries(catalog: Catalog, level: str) -> gpd.GeoSeries:
    places = level_places(catalog, level)
    geoms = places.geometry
    if level in UNIT_LEVELS and (level == "distrito" or geoms.isna().any()):
        geoms = gpd.GeoSeries(
            [
                g if g is not None else c
                for g, c in zip(places.geometry, places["capital"], strict=True)
            ],
            index=places.index,
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
        return {str(code): _encodable(geometry_json(g)) for code, g in geoms.items()}

    return per_snapshot(catalog, ("level_geometry_json", level), build)


def level_geometry_json_for_zoom(
    catalog: Catalog, level: str, zoom: int
) -> Mapping[str, dict[str, Any] | None]:
    """The polygons of `level` simplified for a web map at `zoom` (app/render/simplify.py:
    the whole coverage at once with a tolerance of half a pixel of that zoom, so neighbours
    keep their shared borders); the full geometries beyond the finest band and for the levels
    with points (distrito, establishment). Once per snapshot."""
    if zoom > MAX_BAND or level in ("distrito", "establishment"):
        return level_geometry_json(catalog, level)
    band = max(zoom, MIN_BAND)

    def build() -> dict[str, dict[str, Any] | None]:
        geoms = level_geometries(catalog, level)
        fills = GeometryBands(list(geoms)).at(band).fills
        return {str(code): _encodable(fill) for code, fill in zip(geoms.index, fills, strict=True)}

    return per_snapshot(catalog, ("level_geometry_json", level, band), build)


def _encodable(geometry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The geometry as an `EncodedDict`: GeoJSON answers encode it once per snapshot."""
    return None if geometry is None else EncodedDict(geometry)


ATTRIBUTION = {
    "es": "Cifras: INPE. Límites: geoBoundaries gbOpen (CC BY 3.0 IGO); distritos: INEI 2007 "
    "vía juaneladio/peru-geojson (MPL-2.0); códigos UBIGEO del INEI.",
    "en": "Figures: INPE. Boundaries: geoBoundaries gbOpen (CC BY 3.0 IGO); districts: INEI 2007 "
    "via juaneladio/peru-geojson (MPL-2.0); INEI UBIGEO codes.",
}


def attribution(lang: str) -> str:
    """Who made the figures and boundaries shown (credited on every map and download)."""
    return ATTRIBUTION.get(lang, ATTRIBUTION["es"])
