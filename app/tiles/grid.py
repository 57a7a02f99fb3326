"""The two tile matrix sets served (WebMercatorQuad, WorldCRS84Quad) and tile addresses.

A tile address is checked here once: zoom within 0..MAX_ZOOM, row and column inside that
zoom's matrix. Out-of-range values raise TileError (HTTP 400), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import morecantile
from morecantile import TileMatrixSet

from app.tiles.errors import TileError

MAX_ZOOM = 18
TILE_SIZE_PX = 256
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Grid:
    """One tile matrix set and the EPSG code its tiles are drawn in (x/y order)."""

    tms: TileMatrixSet
    epsg: int

    @property
    def id(self) -> str:
        return str(self.tms.id)


GRIDS: dict[str, Grid] = {
    "WebMercatorQuad": Grid(morecantile.tms.get("WebMercatorQuad"), 3857),
    "WorldCRS84Quad": Grid(morecantile.tms.get("WorldCRS84Quad"), 4326),
}


@dataclass(frozen=True)
class TileAddress:
    grid: Grid
    zoom: int
    row: int
    col: int

    @property
    def bounds(self) -> BBox:
        """The tile's box in the grid's CRS, x/y (easting/northing or lon/lat) order."""
        (origin_x, origin_y), width, height = _layout(self.grid.id, self.zoom)
        minx, maxy = origin_x + self.col * width, origin_y - self.row * height
        return (minx, maxy - height, minx + width, maxy)


@lru_cache(maxsize=64)
def _layout(grid_id: str, zoom: int) -> tuple[tuple[float, float], float, float]:
    """Top-left origin and tile size of a zoom (both grids have their origin top left).
    morecantile's own lookup is a pydantic model walk: too slow to repeat for every tile."""
    matrix = GRIDS[grid_id].tms.matrix(zoom)
    x, y = matrix.pointOfOrigin
    return (x, y), matrix.cellSize * matrix.tileWidth, matrix.cellSize * matrix.tileHeight


@lru_cache(maxsize=64)
def _matrix_size(grid_id: str, zoom: int) -> tuple[int, int]:
    matrix = GRIDS[grid_id].tms.matrix(zoom)
    return matrix.matrixHeight, matrix.matrixWidth


def grid_named(tms_id: str) -> Grid:
    grid = GRIDS.get(tms_id)
    if grid is None:
        raise TileError(
            "NotFound", f"no tile matrix set '{tms_id}'; offered: {', '.join(GRIDS)}", 404
        )
    return grid


def _integer(text: str, name: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise TileError("InvalidParameterValue", f"{name} must be a non-negative integer")
    return int(text)


def tile_address(grid: Grid, zoom: str, row: str, col: str) -> TileAddress:
    """Parse and bound a {tileMatrix}/{tileRow}/{tileCol} path."""
    z = _integer(zoom, "tileMatrix")
    if z > MAX_ZOOM:
        raise TileError("InvalidParameterValue", f"tileMatrix must be 0 to {MAX_ZOOM}, not {z}")
    rows, cols = _matrix_size(grid.id, z)
    y = _integer(row, "tileRow")
    x = _integer(col, "tileCol")
    if y >= rows:
        raise TileError(
            "InvalidParameterValue", f"tileRow must be 0 to {rows - 1} at tileMatrix {z}, not {y}"
        )
    if x >= cols:
        raise TileError(
            "InvalidParameterValue", f"tileCol must be 0 to {cols - 1} at tileMatrix {z}, not {x}"
        )
    return TileAddress(grid, z, y, x)
