"""Render coloured polygons and points with Mapnik.

Mapnik `Map` objects are not thread-safe: each worker thread keeps its own, cached by the
data's identity (`MapData.key`) and CRS. `import mapnik` points PROJ at a folder without
proj.db, so PROJ_DATA is set from pyproj first (DESIGN.md).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import orjson
import pyogrio

# pyogrio's PROJ database is recent enough for Mapnik's PROJ (pyproj's is older).
os.environ["PROJ_DATA"] = str(Path(pyogrio.__file__).parent / "proj_data")
import mapnik  # noqa: E402

ImageFormat = Literal["png", "png8", "jpeg"]
ENCODERS: dict[str, str] = {"png": "png32", "png8": "png8:m=h", "jpeg": "jpeg85"}
SUPPORTED_EPSG = (4326, 3857, 32718)
MAPS_PER_THREAD = 24


@dataclass(frozen=True)
class MapData:
    """Features to draw: GeoJSON geometries (EPSG:4326, lon/lat) each with a '#rrggbb' fill.

    `key` identifies the content (e.g. data version, layer, indicator, period, style): equal
    keys must mean equal features, since Map objects are cached by it.
    """

    key: tuple[Any, ...]
    kind: Literal["polygon", "point"]
    geometries: tuple[dict[str, Any] | None, ...]
    colors: tuple[str, ...]
    stroke: str = "#4d4d4d"
    point_size_px: float = 9.0


@dataclass(frozen=True)
class View:
    """What to draw: `bbox` in the CRS's own units, x/y (easting/northing or lon/lat) order."""

    bbox: tuple[float, float, float, float]
    width: int
    height: int
    epsg: int = 4326
    image_format: ImageFormat = "png"
    transparent: bool = True
    background: str = "#ffffff"


def _style_xml(name: str, data: MapData) -> str:
    rules = []
    for index, color in enumerate(sorted(set(data.colors))):
        fill = escape(color)
        if data.kind == "polygon":
            symbolizers = (
                f'<PolygonSymbolizer fill="{fill}" gamma="0.7"/>'
                f'<LineSymbolizer stroke="{escape(data.stroke)}" stroke-width="0.5"/>'
            )
        else:
            size = data.point_size_px
            symbolizers = (
                f'<MarkersSymbolizer fill="{fill}" width="{size}" height="{size}" '
                f'stroke="{escape(data.stroke)}" stroke-width="0.8" allow-overlap="true" '
                'ignore-placement="true"/>'
            )
        rules.append(f"<Rule><Filter>[k] = {index}</Filter>{symbolizers}</Rule>")
    return f'<Style name="{name}">{"".join(rules)}</Style>'


def _geojson(data: MapData) -> str:
    palette = {color: i for i, color in enumerate(sorted(set(data.colors)))}
    features = [
        {"type": "Feature", "properties": {"k": palette[color]}, "geometry": geometry}
        for geometry, color in zip(data.geometries, data.colors, strict=True)
        if geometry is not None
    ]
    return orjson.dumps({"type": "FeatureCollection", "features": features}).decode()


def map_xml(layers: Sequence[MapData], epsg: int) -> str:
    styles = []
    parts = []
    for i, data in enumerate(layers):
        style = f"s{i}"
        styles.append(_style_xml(style, data))
        if not any(g is not None for g in data.geometries):
            continue
        parts.append(
            f'<Layer name="l{i}" srs="epsg:4326"><StyleName>{style}</StyleName><Datasource>'
            '<Parameter name="type">geojson</Parameter>'
            f'<Parameter name="inline"><![CDATA[{_geojson(data)}]]></Parameter>'
            "</Datasource></Layer>"
        )
    return f'<Map srs="epsg:{epsg}">{"".join(styles)}{"".join(parts)}</Map>'


_local = threading.local()


def _map_for(layers: Sequence[MapData], epsg: int) -> Any:
    cache: OrderedDict[tuple[Any, ...], Any] | None = getattr(_local, "maps", None)
    if cache is None:
        cache = OrderedDict()
        _local.maps = cache
    key = (tuple(d.key for d in layers), epsg)
    m = cache.get(key)
    if m is None:
        m = mapnik.Map(256, 256)
        mapnik.load_map_from_string(m, map_xml(layers, epsg))
        cache[key] = m
        while len(cache) > MAPS_PER_THREAD:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return m


def render_map(layers: Sequence[MapData], view: View) -> bytes:
    """Draw `layers` (first at the bottom) into an encoded image."""
    if view.epsg not in SUPPORTED_EPSG:
        raise ValueError(f"EPSG:{view.epsg} is not supported")
    m = _map_for(layers, view.epsg)
    m.resize(view.width, view.height)
    m.aspect_fix_mode = mapnik.aspect_fix_mode.RESPECT
    m.zoom_to_box(mapnik.Box2d(*view.bbox))
    if view.transparent and view.image_format != "jpeg":
        m.background = mapnik.Color(0, 0, 0, 0)
    else:
        m.background = mapnik.Color(view.background)
    image = mapnik.Image(view.width, view.height)
    mapnik.render(m, image)
    return bytes(image.to_string(ENCODERS[view.image_format]))
