"""GML 3.2 encoding of feature tables for WFS 2.0 (members cached per version, layer and CRS).

Axis order follows the requested srsName: latitude first for urn:ogc:def:crs:EPSG::4326.
Polygon layers are written as gml:MultiSurface, point layers as gml:Point.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from app.ogc.crs import CrsInfo, transformer
from app.ogc.features import FeatureTable
from app.ogc.templating import environment

NS = "http://siep-peru.org/wfs"
PREFIX = "siep"
_MEMBER = environment().get_template("wfs/member.xml")


def _coords(coords: Iterable[Sequence[float]], lat_lon: bool) -> str:
    if lat_lon:
        return " ".join(f"{c[1]:.10g} {c[0]:.10g}" for c in coords)
    return " ".join(f"{c[0]:.10g} {c[1]:.10g}" for c in coords)


def _rings(poly: Polygon, lat_lon: bool) -> list[str]:
    """Exterior then interior rings as posList texts."""
    return [_coords(poly.exterior.coords, lat_lon)] + [
        _coords(ring.coords, lat_lon) for ring in poly.interiors
    ]


def feature_gml(
    table: FeatureTable,
    position: int,
    crs: CrsInfo,
    srs_name: str,
    base_url: str,
    names: list[str] | None = None,
    standalone: bool = False,
) -> str:
    """One feature's GML (template wfs/member.xml); `names` limits it to those properties
    (PROPERTYNAME); `standalone` makes it a document of its own (GetFeatureById)."""
    layer_id = table.layer.id
    point: str | None = None
    polygons: list[list[str]] | None = None
    geom = table.geometries[position]
    if geom is not None and (names is None or "geometry" in names):
        if crs.epsg != 4326:
            geom = shapely.ops.transform(transformer(4326, crs.epsg).transform, geom)
        if isinstance(geom, Point):
            point = _coords([geom.coords[0]], crs.is_lat_lon)
        else:
            parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
            polygons = [_rings(p, crs.is_lat_lon) for p in parts if isinstance(p, Polygon)]
    props = table.feature_properties(position, base_url)
    properties = [
        (name, props[name])
        for name in table.fields
        if (names is None or name in names) and props.get(name) is not None
    ]
    return _MEMBER.render(
        p=PREFIX,
        layer=layer_id,
        fid=f"{layer_id}.{table.ids[position]}",
        srs=srs_name,
        point=point,
        polygons=polygons,
        properties=properties,
        standalone=standalone,
        ns=NS,
    )


class GmlCache:
    """Encoded members per (catalog version, layer, srsName, base URL): a GetFeature only joins
    strings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str, str, str], list[str | None]] = {}

    def members(self, table: FeatureTable, srs_name: str, base_url: str) -> list[str | None]:
        key = (table.version, table.layer.id, srs_name, base_url)
        with self._lock:
            members = self._cache.get(key)
            if members is None:
                stale = [k for k in self._cache if k[0] != table.version]
                for k in stale:
                    del self._cache[k]
                members = [None] * len(table)
                self._cache[key] = members
        return members

    def encode(
        self,
        table: FeatureTable,
        positions: Sequence[int],
        crs: CrsInfo,
        srs_name: str,
        base_url: str,
    ) -> list[str]:
        members = self.members(table, srs_name, base_url)
        out = []
        for p in positions:
            text = members[p]
            if text is None:
                text = feature_gml(table, p, crs, srs_name, base_url)
                members[p] = text  # benign race: every thread writes the same string
            out.append(text)
        return out
