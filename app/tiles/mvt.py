"""Encode one tile of a layer as a Mapbox Vector Tile (layer named after the collection).

Features carry the same properties as in OGC API Features (the table's rows; missing values
are left out, as MVT has no null). Polygons are clipped to the tile plus a buffer, every
geometry is scaled to the tile's integer grid with y up, and mapbox-vector-tile writes the
protobuf (flipping y and fixing winding order).
"""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely

from app.ogc.features import FeatureTable
from app.tiles.grid import BBox
from app.tiles.sources import PreparedLayer

EXTENT = 4096
BUFFER = 64  # in tile units: polygons extend this far past the edge (no seams when drawn)


def buffered(bounds: BBox, units: int = BUFFER) -> BBox:
    minx, miny, maxx, maxy = bounds
    pad_x = (maxx - minx) * units / EXTENT
    pad_y = (maxy - miny) * units / EXTENT
    return (minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)


def _to_tile_units(geometries: np.ndarray, bounds: BBox) -> np.ndarray:
    minx, miny, maxx, maxy = bounds
    origin = np.array([minx, miny])
    scale = np.array([EXTENT / (maxx - minx), EXTENT / (maxy - miny)])

    def fit(coords: np.ndarray) -> np.ndarray:
        fitted: np.ndarray = np.round((coords - origin) * scale)
        return fitted

    scaled: np.ndarray = shapely.transform(geometries, fit)
    return scaled


def encode_tile(table: FeatureTable, prepared: PreparedLayer, bounds: BBox) -> bytes | None:
    """The MVT of the features within `bounds` (grid CRS); None when the tile has none."""
    is_polygon = table.layer.geometry == "polygon"
    window = buffered(bounds) if is_polygon else bounds
    positions, geometries = prepared.query(window)
    if not len(positions):
        return None
    if is_polygon:
        geometries = shapely.clip_by_rect(geometries, *window)
    geometries = _to_tile_units(geometries, bounds)
    keep = ~shapely.is_empty(geometries)
    if is_polygon:
        keep &= shapely.area(geometries) > 0
    features: list[dict[str, Any]] = [
        {
            "geometry": geometry,
            "properties": {k: v for k, v in table.properties[row].items() if v is not None},
        }
        for row, geometry in zip(positions[keep], geometries[keep], strict=True)
    ]
    if not features:
        return None
    tile: bytes = mapbox_vector_tile.encode(
        [{"name": table.layer.id, "features": features}],
        default_options={"extents": EXTENT},
    )
    return tile
