"""Request paths for every server: fixed ones, and pools of distinct (rotating) queries.

Rotating pools are drawn from one seeded random stream per benchmark session, so no box is
ever asked twice in a session (caches miss), while each server gets boxes from the same
distribution.
"""

from __future__ import annotations

import math
import random
from urllib.parse import quote

import shapely
from shapely.geometry.base import BaseGeometry

from app.codes import OFICINA_REGIONAL_CODES

PERU_BBOX_4326 = (-81.5, -18.5, -68.5, 0.1)
OFICINAS = OFICINA_REGIONAL_CODES
EARTH_HALF_M = 20037508.342789244

BBox = tuple[float, float, float, float]
XyzTile = tuple[int, int, int]  # zoom, column (x), row (y) of WebMercatorQuad
TILE_ZOOMS = tuple(range(6, 15))
SAMPLE_TILES = 3


class QueryPool:
    """Distinct bounding boxes, never repeated within a session."""

    def __init__(self, seed: int = 20261124) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def bboxes_4326(self, count: int) -> list[BBox]:
        """Windows of 1-6 degrees inside Peru (4 decimals, each distinct)."""
        out: list[BBox] = []
        minx0, miny0, maxx0, maxy0 = PERU_BBOX_4326
        while len(out) < count:
            width = self.rng.uniform(1.0, 6.0)
            height = self.rng.uniform(1.0, 6.0)
            minx = round(self.rng.uniform(minx0, maxx0 - width), 4)
            miny = round(self.rng.uniform(miny0, maxy0 - height), 4)
            box = (minx, miny, round(minx + width, 4), round(miny + height, 4))
            if self._fresh(box):
                out.append(box)
        return out

    def tiles_3857(self, count: int) -> list[BBox]:
        """256 px web-mercator tiles over Peru at zoom 5-10, each shifted by a random fraction
        of a tile so that every box is distinct (same work as a tile, never a cache hit)."""
        out: list[BBox] = []
        minx0, miny0, maxx0, maxy0 = PERU_BBOX_4326
        while len(out) < count:
            zoom = self.rng.choice((5, 6, 7, 7, 8, 8, 9, 9, 10))
            span = 2 * EARTH_HALF_M / 2**zoom
            x, y = lonlat_to_3857(self.rng.uniform(minx0, maxx0), self.rng.uniform(miny0, maxy0))
            minx = round(x - span / 2, 2)
            miny = round(y - span / 2, 2)
            box = (minx, miny, round(minx + span, 2), round(miny + span, 2))
            if self._fresh(box):
                out.append(box)
        return out

    def oficinas(self, count: int) -> list[str]:
        return [self.rng.choice(OFICINAS) for _ in range(count)]

    def _fresh(self, box: BBox | XyzTile) -> bool:
        key = ",".join(f"{v}" for v in box)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class TileRuns:
    """Distinct WebMercatorQuad tiles over Peru's land (zoom 6-14, uniform while a zoom has
    unused tiles), one list per run shared by every server: each server asks each address
    once in the session, so every cache misses, and all servers get the same tiles."""

    def __init__(self, pool: QueryPool, count: int, land: BaseGeometry | None) -> None:
        self.pool = pool
        self.count = count
        self.land = land
        self._runs: dict[int, list[XyzTile]] = {}
        self._warm: dict[str, list[XyzTile]] = {}

    def tiles(self, run: int) -> list[XyzTile]:
        """The run's tiles; run -1 (the harness's validation sample) gets only a few."""
        if run not in self._runs:
            self._runs[run] = self._draw(self.count if run >= 0 else SAMPLE_TILES)
        return self._runs[run]

    def warm(self, count: int) -> list[XyzTile]:
        """A fixed set for the repeated (warm) scenario, drawn once."""
        if "warm" not in self._warm:
            self._warm["warm"] = self._draw(count)
        return self._warm["warm"]

    def _draw(self, count: int) -> list[XyzTile]:
        rng, out = self.pool.rng, []
        minx0, miny0, maxx0, maxy0 = PERU_BBOX_4326
        for _ in range(50 * count):
            if len(out) == count:
                break
            lon, lat = rng.uniform(minx0, maxx0), rng.uniform(miny0, maxy0)
            if self.land is not None and not shapely.contains_xy(self.land, lon, lat):
                continue
            address = xyz_tile(lon, lat, rng.choice(TILE_ZOOMS))
            if self.pool._fresh(address):
                out.append(address)
        return out


def xyz_tile(lon: float, lat: float, zoom: int) -> XyzTile:
    """The WebMercatorQuad tile holding a point (column from the west, row from the north)."""
    x, y = lonlat_to_3857(lon, lat)
    n = 2**zoom
    return (
        zoom,
        int((x + EARTH_HALF_M) / (2 * EARTH_HALF_M) * n),
        int((EARTH_HALF_M - y) / (2 * EARTH_HALF_M) * n),
    )


def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    x = lon * EARTH_HALF_M / 180.0
    y = math.log(math.tan((90.0 + lat) * math.pi / 360.0)) * EARTH_HALF_M / math.pi
    return x, y


def bbox_param(box: BBox, digits: int = 4) -> str:
    return ",".join(f"{v:.{digits}f}" for v in box)


def getmap_query(layer: str, box_3857: BBox, fmt: str, size: int = 256) -> str:
    return (
        f"SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer}&STYLES="
        f"&CRS=EPSG:3857&BBOX={bbox_param(box_3857, 2)}&WIDTH={size}&HEIGHT={size}"
        f"&FORMAT={quote(fmt)}"
    )


def getfeature_query(typename: str, fmt: str) -> str:
    return (
        "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature"
        f"&TYPENAMES={quote(typename)}&OUTPUTFORMAT={quote(fmt)}"
    )
