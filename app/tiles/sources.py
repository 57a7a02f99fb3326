"""Each layer's geometries prepared for cutting tiles: in the grid's CRS, simplified for the
zoom (polygons, from app.render.simplify's per-band copies) and indexed with an STRtree.

Prepared once per (data version, layer, grid, band) and kept in a ByteLru (bounded in bytes
and entries); a new data version brings new feature tables, hence new keys, and old entries
age out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.bounded_cache import ByteLru
from app.domain.features import FeatureTable
from app.ogc.crs import transformer
from app.render.simplify import band_for
from app.tiles.grid import TILE_SIZE_PX, BBox, Grid
from app.tiles.properties import LayerProperties, layer_properties

MAX_PREPARED = 96
MAX_PREPARED_BYTES = 256 * 1024 * 1024
# Measured: 1,824 district polygons with 27,561 coordinates, prepared and indexed: +2.0 MB.
PREPARED_BYTES_PER_COORDINATE = 48
PROPERTY_BYTES_PER_FEATURE = 512
MERCATOR_MAX_LAT = 85.0511287798066


@dataclass(frozen=True)
class PreparedLayer:
    """Geometries of one layer in a grid's CRS; `positions` index the feature table's rows."""

    positions: np.ndarray
    geometries: np.ndarray
    tree: shapely.STRtree

    def query(self, bounds: BBox) -> tuple[np.ndarray, np.ndarray]:
        """Rows and geometries whose envelope meets `bounds` (in the grid's CRS)."""
        hits = np.sort(self.tree.query(shapely.box(*bounds)))
        return self.positions[hits], self.geometries[hits]


def _in_grid_crs(geometries: np.ndarray, grid: Grid) -> np.ndarray:
    if grid.epsg == 4326 or not len(geometries):
        return geometries
    project = transformer(4326, grid.epsg).transform

    def to_grid(coords: np.ndarray) -> np.ndarray:
        lat = np.clip(coords[:, 1], -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
        x, y = project(coords[:, 0], lat)
        return np.column_stack((x, y))

    projected: np.ndarray = shapely.transform(geometries, to_grid)
    return projected


def tile_band(table: FeatureTable, grid: Grid, bounds: BBox) -> int | None:
    """The simplification band of a tile (None: full geometry; always None for points)."""
    if table.bands is None:
        return None
    return band_for(bounds, TILE_SIZE_PX, TILE_SIZE_PX, grid.epsg)


def prepare(table: FeatureTable, grid: Grid, band: int | None) -> PreparedLayer:
    shapes: list[BaseGeometry | None]
    if table.bands is None:
        shapes = list(table.geometries)
    else:
        fills = table.bands.at(band).fills
        shapes = [shapely.geometry.shape(f) if f is not None else None for f in fills]
    positions = np.array([i for i, g in enumerate(shapes) if g is not None], dtype=np.int64)
    geometries = _in_grid_crs(np.array([shapes[i] for i in positions], dtype=object), grid)
    shapely.prepare(geometries)  # point-in-polygon tests per tile (app.tiles.mvt)
    return PreparedLayer(positions, geometries, shapely.STRtree(geometries))


def prepared_size_bytes(prepared: PreparedLayer) -> int:
    """Estimated memory of a prepared layer (coordinates, GEOS objects, prepared indexes)."""
    coordinates = int(shapely.get_num_coordinates(prepared.geometries).sum())
    return PREPARED_BYTES_PER_COORDINATE * coordinates + 512 * len(prepared.geometries)


class TileSources:
    """Prepared layers and properties, built on first use and shared between requests,
    bounded in bytes (app/bounded_cache.py)."""

    def __init__(self) -> None:
        self._prepared: ByteLru[tuple[object, ...], PreparedLayer] = ByteLru(
            MAX_PREPARED_BYTES, max_entries=MAX_PREPARED
        )
        self._properties: ByteLru[tuple[object, ...], LayerProperties] = ByteLru(
            MAX_PREPARED_BYTES // 8, max_entries=MAX_PREPARED
        )

    @staticmethod
    def _key(table: FeatureTable, grid: Grid, band: int | None) -> tuple[object, ...]:
        return (table.version, table.layer.id, grid.id, band)

    def ready(self, table: FeatureTable, grid: Grid, band: int | None) -> PreparedLayer | None:
        return self._prepared.get(self._key(table, grid, band))

    def get(self, table: FeatureTable, grid: Grid, band: int | None) -> PreparedLayer:
        def build() -> tuple[PreparedLayer, int]:
            prepared = prepare(table, grid, band)
            return prepared, prepared_size_bytes(prepared)

        return self._prepared.get_or_build(self._key(table, grid, band), build)

    def properties(self, table: FeatureTable) -> LayerProperties:
        def build() -> tuple[LayerProperties, int]:
            # Property values per feature: a few short strings and numbers each.
            return layer_properties(table), PROPERTY_BYTES_PER_FEATURE * len(table)

        return self._properties.get_or_build((table.version, table.layer.id), build)
