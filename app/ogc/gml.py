"""GML 3.2 encoding of feature tables for WFS 2.0 (members cached per version, layer and CRS).

Axis order follows the requested srsName: latitude first for urn:ogc:def:crs:EPSG::4326.
Polygon layers are written as gml:MultiSurface, point layers as gml:Point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from app.bounded_cache import ByteLru
from app.domain.features import FeatureTable
from app.ogc.crs import CrsInfo, transformer
from app.ogc.templating import environment

NS = "http://siep-peru.org/wfs"
PREFIX = "siep"
# Encoded GML members kept per process (all layers, CRSs and base URLs together).
MAX_GML_CACHE_BYTES = 64 * 1024 * 1024
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
