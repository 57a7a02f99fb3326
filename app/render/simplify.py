"""A polygon layer prepared for drawing at any scale: coverage-preserving simplified copies per
zoom band, and the layer's edges with every shared border once.

Built lazily, once per band, and kept for the life of the object (callers keep one per data
version and layer). Simplification is `shapely.coverage_simplify` over the whole layer, so
neighbours keep sharing their borders (no gaps or overlaps), at half a pixel of the band.
Drawing the edges once instead of each polygon's outline halves the stroke work, which is most
of a choropleth tile's render time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.stats.geography import geometry_json

GeoJson = dict[str, Any]
EARTH_HALF_M = 20037508.342789244
METRES_PER_DEGREE = 111_320.0
MIN_BAND = 3
MAX_BAND = 8  # finer than this, the shipped boundaries have no vertex to drop: full geometry


@dataclass(frozen=True)
class BandGeometries:
    fills: tuple[GeoJson | None, ...]  # one per feature, same order as the layer
    edges: tuple[GeoJson, ...]  # line pieces, each shared border once


def band_tolerance_deg(band: int) -> float:
    """Half a pixel of a 256-pixel web tile at zoom `band`, in degrees."""
    return 0.5 * 360.0 / (256.0 * 2.0 ** int(band))


def band_for(
    bbox: tuple[float, float, float, float], width: int, height: int, epsg: int
) -> int | None:
    """The coarsest band whose tolerance is at most half a pixel of this view (None: full)."""
    minx, miny, maxx, maxy = bbox
    per_px = min((maxx - minx) / width, (maxy - miny) / height)
    if epsg == 4326:
        deg_per_px = per_px
    elif epsg == 3857:
        lat = math.atan(math.sinh((miny + maxy) / 2 / EARTH_HALF_M * math.pi))
        deg_per_px = per_px * 180.0 / EARTH_HALF_M * math.cos(lat)
    else:  # projected metres (UTM)
        deg_per_px = per_px / METRES_PER_DEGREE
    if deg_per_px <= 0:
        return None
    band = math.ceil(math.log2(360.0 / (256 * deg_per_px)))
    if band > MAX_BAND:
        return None
    return max(band, MIN_BAND)


class GeometryBands:
    """Polygons (EPSG:4326, lon/lat) of one layer, with their per-band simplified copies."""

    def __init__(self, geometries: Sequence[BaseGeometry | None]) -> None:
        self.geometries = tuple(geometries)
        self._lock = threading.Lock()
        self._bands: dict[int | None, BandGeometries] = {}

    def at(self, band: int | None) -> BandGeometries:
        cached = self._bands.get(band)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._bands.get(band)
            if cached is None:
                cached = self._build(band)
                self._bands[band] = cached
            return cached

    def _build(self, band: int | None) -> BandGeometries:
        present = [i for i, g in enumerate(self.geometries) if g is not None]
        shapes = np.array([self.geometries[i] for i in present], dtype=object)
        if band is not None and len(shapes):
            shapes = _simplified(shapes, band_tolerance_deg(band))
        fills: list[GeoJson | None] = [None] * len(self.geometries)
        for i, shape in zip(present, shapes, strict=True):
            fills[i] = geometry_json(shape)
        edges: tuple[GeoJson, ...] = ()
        if len(shapes):
            merged = shapely.line_merge(shapely.union_all(shapely.boundary(shapes)))
            parts = (geometry_json(part) for part in shapely.get_parts(merged))
            edges = tuple(part for part in parts if part is not None)
        return BandGeometries(tuple(fills), edges)


def _simplified(shapes: np.ndarray, tolerance: float) -> np.ndarray:
    try:
        simplified = shapely.coverage_simplify(shapes, tolerance)
    except shapely.errors.GEOSException:  # not a valid coverage: simplify each on its own
        simplified = shapely.simplify(shapes, tolerance, preserve_topology=True)
    # Never lose a feature: keep the original where simplification emptied or broke it.
    is_bad = shapely.is_empty(simplified) | ~shapely.is_valid(simplified)
    return np.where(is_bad, shapes, simplified)
