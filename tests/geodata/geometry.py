"""Geodesic helpers of the geodata tests."""

from __future__ import annotations

import shapely
import shapely.ops
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def distance_m(point: shapely.Point, polygon: shapely.Geometry) -> float:
    """Geodesic distance in metres from a point to a polygon (0 inside)."""
    if polygon.contains(point):
        return 0.0
    nearest = shapely.ops.nearest_points(polygon, point)[0]
    return float(GEOD.inv(point.x, point.y, nearest.x, nearest.y)[2])
