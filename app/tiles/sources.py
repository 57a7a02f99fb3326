"""Each layer's geometries prepared for cutting tiles: in the grid's CRS, simplified for the
zoom (polygons, from app.render.simplify's per-band copies) and indexed with an STRtree.

Prepared once per (data version, layer, grid, band) and kept in a small LRU; a new data
version brings new feature tables, hence new keys, and old entries age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.ogc.crs import transformer
from app.ogc.features import FeatureTable
from app.render.simplify import band_for
from app.tiles.grid import TILE_SIZE_PX, BBox, Grid
from app.tiles.properties import LayerProperties, layer_properties

MAX_PREPARED = 96
T = TypeVar("T")
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


class TileSources:
    """Prepared layers and properties, built on first use and shared between requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prepared: OrderedDict[tuple[object, ...], PreparedLayer] = OrderedDict()
        self._properties: OrderedDict[tuple[object, ...], LayerProperties] = OrderedDict()

    @staticmethod
    def _key(table: FeatureTable, grid: Grid, band: int | None) -> tuple[object, ...]:
        return (table.version, table.layer.id, grid.id, band)

    def ready(self, table: FeatureTable, grid: Grid, band: int | None) -> PreparedLayer | None:
        with self._lock:
            return self._prepared.get(self._key(table, grid, band))

    def get(self, table: FeatureTable, grid: Grid, band: int | None) -> PreparedLayer:
        return _cached(
            self._lock,
            self._prepared,
            self._key(table, grid, band),
            lambda: prepare(table, grid, band),
        )

    def properties(self, table: FeatureTable) -> LayerProperties:
        key = (table.version, table.layer.id)
        return _cached(self._lock, self._properties, key, lambda: layer_properties(table))


def _cached(
    lock: threading.Lock,
    store: OrderedDict[tuple[object, ...], T],
    key: tuple[object, ...],
    build: Callable[[], T],
) -> T:
    """The entry of `store` at `key`, built outside the lock when missing (LRU-bounded)."""
    with lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
            return value
    value = build()
    with lock:
        store[key] = value
        while len(store) > MAX_PREPARED:
            store.popitem(last=False)
    return value
