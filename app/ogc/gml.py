"""GML 3.2 encoding of feature tables for WFS 2.0 (members cached per version, layer and CRS).

Axis order follows the requested srsName: latitude first for urn:ogc:def:crs:EPSG::4326.
Polygon layers are written as gml:MultiSurface, point layers as gml:Point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.bounded_cache import ByteLru
from app.ogc.crs import CrsInfo, transformer
from app.ogc.features import FeatureTable

NS = "http://siep-peru.org/wfs"
PREFIX = "siep"
# Encoded GML members kept per process (all layers, CRSs and base URLs together).
MAX_GML_CACHE_BYTES = 64 * 1024 * 1024


def _coords(coords: Iterable[Sequence[float]], lat_lon: bool) -> str:
    if lat_lon:
        return " ".join(f"{c[1]:.10g} {c[0]:.10g}" for c in coords)
    return " ".join(f"{c[0]:.10g} {c[1]:.10g}" for c in coords)


def _polygon(poly: Polygon, gid: str, lat_lon: bool) -> str:
    rings = [
        f"<gml:exterior><gml:LinearRing><gml:posList>{_coords(poly.exterior.coords, lat_lon)}"
        "</gml:posList></gml:LinearRing></gml:exterior>"
    ]
    rings += [
        f"<gml:interior><gml:LinearRing><gml:posList>{_coords(r.coords, lat_lon)}"
        "</gml:posList></gml:LinearRing></gml:interior>"
        for r in poly.interiors
    ]
    return f'<gml:Polygon gml:id="{gid}">{"".join(rings)}</gml:Polygon>'


def geometry_gml(geom: BaseGeometry, gid: str, srs_name: str, lat_lon: bool) -> str:
    srs = f'srsName="{escape(srs_name)}" srsDimension="2"'
    if isinstance(geom, Point):
        return f'<gml:Point gml:id="{gid}" {srs}><gml:pos>{_coords([geom.coords[0]], lat_lon)}</gml:pos></gml:Point>'
    polygons = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    members = "".join(
        f"<gml:surfaceMember>{_polygon(p, f'{gid}.{i}', lat_lon)}</gml:surfaceMember>"
        for i, p in enumerate(polygons)
        if isinstance(p, Polygon)
    )
    return f'<gml:MultiSurface gml:id="{gid}" {srs}>{members}</gml:MultiSurface>'


def _value(value: object) -> str:
    if isinstance(value, float):
        return repr(value)
    return escape(str(value))


def feature_gml(
    table: FeatureTable,
    position: int,
    crs: CrsInfo,
    srs_name: str,
    base_url: str,
    names: list[str] | None = None,
) -> str:
    """One feature's GML; `names` limits it to those properties (PROPERTYNAME)."""
    layer_id = table.layer.id
    fid = f"{layer_id}.{table.ids[position]}"
    parts = [f'<{PREFIX}:{layer_id} gml:id="{escape(fid)}">']
    geom = table.geometries[position]
    if geom is not None and (names is None or "geometry" in names):
        if crs.epsg != 4326:
            geom = shapely.ops.transform(transformer(4326, crs.epsg).transform, geom)
        parts.append(
            f"<{PREFIX}:geometry>{geometry_gml(geom, fid + '.g', srs_name, crs.is_lat_lon)}"
            f"</{PREFIX}:geometry>"
        )
    props = table.feature_properties(position, base_url)
    for name in table.fields:
        if names is not None and name not in names:
            continue
        value = props.get(name)
        if value is not None:
            parts.append(f"<{PREFIX}:{name}>{_value(value)}</{PREFIX}:{name}>")
    parts.append(f"</{PREFIX}:{layer_id}>")
    return "".join(parts)


class _Members:
    """Encoded members of one layer (None: not encoded yet) and their total length."""

    def __init__(self, count: int) -> None:
        self.texts: list[str | None] = [None] * count
        self.size_bytes = 8 * count


class GmlCache:
    """Encoded members per (catalog version, layer, srsName, base URL): a GetFeature only joins
    strings. Bounded in bytes (app/bounded_cache.py): the base URL comes from the request's Host
    and X-Forwarded-* headers, so hostile variety only cycles entries."""

    def __init__(self, max_bytes: int = MAX_GML_CACHE_BYTES) -> None:
        self._cache: ByteLru[tuple[int, str, str, str], _Members] = ByteLru(max_bytes)

    def encode(
        self,
        table: FeatureTable,
        positions: Sequence[int],
        crs: CrsInfo,
        srs_name: str,
        base_url: str,
    ) -> list[str]:
        key = (table.version, table.layer.id, srs_name, base_url)
        members = self._cache.get(key) or _Members(len(table))
        out = []
        added = 0
        for p in positions:
            text = members.texts[p]
            if text is None:
                text = feature_gml(table, p, crs, srs_name, base_url)
                members.texts[p] = text  # benign race: every thread writes the same string
                added += len(text)
            out.append(text)
        if added or key not in self._cache:
            members.size_bytes += added
            self._cache.put(key, members, members.size_bytes)
        return out

    @property
    def size_bytes(self) -> int:
        return self._cache.size_bytes
