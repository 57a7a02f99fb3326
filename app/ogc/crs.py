"""The coordinate reference systems the OGC services accept, with their axis order.

EPSG:4326 in URN/URI form means latitude first (WMS 1.3.0, WFS 2.0); `EPSG:4326` in the short
form is lat/lon for WMS 1.3.0 but lon/lat for WMS 1.1.1 and (by common practice) WFS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

from app.ogc.exceptions import OgcError


@dataclass(frozen=True)
class CrsInfo:
    epsg: int  # 4326 for CRS84 too (same datum and units, lon/lat order)
    is_lat_lon: bool


_ALIASES: dict[str, tuple[int, bool]] = {
    "urn:ogc:def:crs:epsg::4326": (4326, True),
    "urn:ogc:def:crs:epsg:6.6:4326": (4326, True),
    "http://www.opengis.net/def/crs/epsg/0/4326": (4326, True),
    "http://www.opengis.net/gml/srs/epsg.xml#4326": (4326, False),
    "crs:84": (4326, False),
    "urn:ogc:def:crs:ogc:1.3:crs84": (4326, False),
    "urn:ogc:def:crs:ogc::crs84": (4326, False),
    "http://www.opengis.net/def/crs/ogc/1.3/crs84": (4326, False),
    "epsg:3857": (3857, False),
    "urn:ogc:def:crs:epsg::3857": (3857, False),
    "http://www.opengis.net/def/crs/epsg/0/3857": (3857, False),
    "epsg:900913": (3857, False),
    "epsg:32718": (32718, False),
    "urn:ogc:def:crs:epsg::32718": (32718, False),
    "http://www.opengis.net/def/crs/epsg/0/32718": (32718, False),
}


def parse_crs(name: str, short_4326_is_lat_lon: bool, code: str = "InvalidCRS") -> CrsInfo:
    """Resolve a CRS name; raises OgcError(code) for anything not offered."""
    key = name.strip().lower()
    if key == "epsg:4326":
        return CrsInfo(4326, short_4326_is_lat_lon)
    if key not in _ALIASES:
        raise OgcError(
            code,
            f"CRS '{name}' is not supported; use EPSG:4326, CRS:84, EPSG:3857 or EPSG:32718",
            "CRS",
        )
    epsg, lat_lon = _ALIASES[key]
    return CrsInfo(epsg, lat_lon)


@lru_cache(maxsize=16)
def transformer(from_epsg: int, to_epsg: int) -> Transformer:
    return Transformer.from_crs(from_epsg, to_epsg, always_xy=True)
