"""Render coloured polygons and points with Mapnik.

Mapnik `Map` objects are not thread-safe, so each prepared Map (one per data identity
`MapData.key`, CRS and zoom band) is used under its own lock. The maps are shared by all
threads rather than kept per thread: the mapnik 4.3 wheel never releases the GIL, so threads
cannot render at the same time anyway, and per-thread copies of every band's datasource
doubled the server's memory (measured: 822 MB instead of 420 MB under the rotating-tile bench).
`import mapnik` points PROJ at a folder without proj.db, so PROJ_DATA is set first (DESIGN.md).
Mapnik itself is imported on the first render, not when the server starts.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import orjson

from app.render.simplify import GeoJson, GeometryBands, band_for


def _pyogrio_proj_data() -> Path:
    """pyogrio's PROJ database (found without importing pyogrio, which loads GDAL)."""
    spec = importlib.util.find_spec("pyogrio")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pyogrio is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "proj_data"


# pyogrio's PROJ database is recent enough for Mapnik's PROJ (pyproj's is older).
os.environ["PROJ_DATA"] = str(_pyogrio_proj_data())


@functools.cache
def _mapnik() -> Any:
    import mapnik

    return mapnik


ImageFormat = Literal["png", "png8", "jpeg"]
# PNG8: hextree palette, zlib level 1 with RLE: half the encoding time of the defaults for
# flat-coloured maps, files about the same size (measured on 256-pixel choropleth tiles).
ENCODERS: dict[str, str] = {"png": "png32", "png8": "png8:m=h:z=1:s=rle", "jpeg": "jpeg85"}
# Opaque PNG8 of few colours: a fixed palette (the fills, stroke, background and their blends,
# which antialiased edges produce) skips the quantiser: half the encoding time again.
PALETTE_ENCODER = "png8:z=1:s=rle"
BLENDS = (0.25, 0.5, 0.75)
SUPPORTED_EPSG = (4326, 3857, 32718)
MAX_MAPS = 48
# Prepared Maps are also bounded in bytes: Mapnik holds about 3 bytes per byte of the map's
# XML (measured: +29 MB resident for 9.3 MB of XML); distinct layer lists once kept ~345 MB
# each (issue 13).
MAX_MAP_CACHE_BYTES = 256 * 1024 * 1024
MAPNIK_BYTES_PER_XML_BYTE = 3


@dataclass(frozen=True)
class MapData:
    """Features to draw: GeoJSON geometries (EPSG:4326, lon/lat) each with a '#rrggbb' fill.

    `key` identifies the content (e.g. data version, layer, indicator, period, style): equal
    keys must mean equal features, since Map objects are cached by it. None: a one-off
    picture, drawn with a Map built for it and not kept.
    """

    key: tuple[Any, ...] | None
    kind: Literal["polygon", "point"]
    geometries: tuple[GeoJson | None, ...]
    colors: tuple[str, ...]
    stroke: str = "#4d4d4d"
    point_size_px: float = 9.0
    # Polygons prepared per zoom band (same features and order as `geometries`): when given,
    # tiles draw simplified fills and each shared border once.
    bands: GeometryBands | None = None


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


def _line(data: MapData) -> str:
    return f'<LineSymbolizer stroke="{escape(data.stroke)}" stroke-width="0.5"/>'


def _style_xml(name: str, data: MapData) -> str:
    rules = []
    for index, color in enumerate(sorted(set(data.colors))):
        fill = escape(color)
        if data.kind == "polygon":
            symbolizers = f'<PolygonSymbolizer fill="{fill}" gamma="0.7"/>'
            if data.bands is None:
                symbolizers += _line(data)
        else:
            size = data.point_size_px
            symbolizers = (
                f'<MarkersSymbolizer fill="{fill}" width="{size}" height="{size}" '
                f'stroke="{escape(data.stroke)}" stroke-width="0.8" allow-overlap="true" '
                'ignore-placement="true"/>'
            )
        rules.append(f"<Rule><Filter>[k] = {index}</Filter>{symbolizers}</Rule>")
    return f'<Style name="{name}">{"".join(rules)}</Style>'


def _geojson(geometries: Sequence[GeoJson | None], keys: Sequence[int]) -> str:
    features = [
        {"type": "Feature", "properties": {"k": key}, "geometry": geometry}
        for geometry, key in zip(geometries, keys, strict=True)
        if geometry is not None
    ]
    return orjson.dumps({"type": "FeatureCollection", "features": features}).decode()


def _layer_xml(name: str, style: str, geojson: str) -> str:
    return (
        f'<Layer name="{name}" srs="epsg:4326"><StyleName>{style}</StyleName><Datasource>'
        '<Parameter name="type">geojson</Parameter>'
        f'<Parameter name="inline"><![CDATA[{geojson}]]></Parameter>'
        "</Datasource></Layer>"
    )


def map_xml(layers: Sequence[MapData], epsg: int, band: int | None = None) -> str:
    """Mapnik XML of `layers` (first at the bottom); prepared polygons drawn at `band`."""
    styles = []
    parts = []
    for i, data in enumerate(layers):
        style = f"s{i}"
        styles.append(_style_xml(style, data))
        if not any(g is not None for g in data.geometries):
            continue
        palette = {color: k for k, color in enumerate(sorted(set(data.colors)))}
        keys = [palette[color] for color in data.colors]
        if data.bands is None or data.kind != "polygon":
            parts.append(_layer_xml(f"l{i}", style, _geojson(data.geometries, keys)))
            continue
        prepared = data.bands.at(band)
        parts.append(_layer_xml(f"l{i}", style, _geojson(prepared.fills, keys)))
        styles.append(f'<Style name="e{i}"><Rule>{_line(data)}</Rule></Style>')
        edges = _geojson(prepared.edges, [0] * len(prepared.edges))
        parts.append(_layer_xml(f"e{i}", f"e{i}", edges))
    return f'<Map srs="epsg:{epsg}">{"".join(styles)}{"".join(parts)}</Map>'


class _Slot:
    """One prepared Map and the lock that serialises its use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.map: Any = None
        self.size_bytes = 0


_slots: OrderedDict[tuple[Any, ...], _Slot] = OrderedDict()
_slots_lock = threading.Lock()


def _slot_for(key: tuple[Any, ...]) -> _Slot:
    with _slots_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _Slot()
            _evict()
        else:
            _slots.move_to_end(key)
        return slot


def _evict() -> None:
    """Drop least recently used Maps beyond MAX_MAPS or MAX_MAP_CACHE_BYTES (a thread still
    drawing with one keeps its reference). Call with _slots_lock held."""
    total = sum(slot.size_bytes for slot in _slots.values())
    while len(_slots) > 1 and (len(_slots) > MAX_MAPS or total > MAX_MAP_CACHE_BYTES):
        _, dropped = _slots.popitem(last=False)
        total -= dropped.size_bytes


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


@lru_cache(maxsize=64)
def _palette(colors: tuple[str, ...]) -> Any:
    """A Mapnik palette of `colors` and their pairwise blends (None: too many colours)."""
    base = sorted({_rgb(c) for c in colors})
    entries: set[tuple[int, ...]] = set(base)
    for a in base:
        for b in base:
            if a < b:
                for t in BLENDS:
                    entries.add(tuple(round(a[k] * (1 - t) + b[k] * t) for k in range(3)))
    if len(entries) > 256:
        return None
    return _mapnik().Palette(bytes(v for rgb in sorted(entries) for v in rgb), "rgb")


def _encode(image: Any, layers: Sequence[MapData], view: View) -> bytes:
    if view.image_format == "png8" and not view.transparent:
        colors = {view.background}
        for data in layers:
            colors.update(data.colors)
            colors.add(data.stroke)
        if all(len(c) == 7 and c.startswith("#") for c in colors):
            palette = _palette(tuple(sorted(colors)))
            if palette is not None:
                return bytes(image.to_string(PALETTE_ENCODER, palette))
    return bytes(image.to_string(ENCODERS[view.image_format]))


def render_map(layers: Sequence[MapData], view: View) -> bytes:
    """Draw `layers` (first at the bottom) into an encoded image."""
    if view.epsg not in SUPPORTED_EPSG:
        raise ValueError(f"EPSG:{view.epsg} is not supported")
    band = None
    if any(d.bands is not None for d in layers):
        band = band_for(view.bbox, view.width, view.height, view.epsg)
    mapnik = _mapnik()
    if any(d.key is None for d in layers):
        m = mapnik.Map(view.width, view.height)
        mapnik.load_map_from_string(m, map_xml(layers, view.epsg, band))
        return _encode(_draw(m, view), layers, view)
    slot = _slot_for((tuple(d.key for d in layers), view.epsg, band))
    with slot.lock:
        if slot.map is None:
            slot.map = mapnik.Map(256, 256)
            xml = map_xml(layers, view.epsg, band)
            mapnik.load_map_from_string(slot.map, xml)
            with _slots_lock:
                slot.size_bytes = MAPNIK_BYTES_PER_XML_BYTE * len(xml)
                _evict()
        image = _draw(slot.map, view)
    return _encode(image, layers, view)


def _draw(m: Any, view: View) -> Any:
    mapnik = _mapnik()
    m.resize(view.width, view.height)
    m.aspect_fix_mode = mapnik.aspect_fix_mode.RESPECT
    m.zoom_to_box(mapnik.Box2d(*view.bbox))
    if view.transparent and view.image_format != "jpeg":
        m.background = mapnik.Color(0, 0, 0, 0)
    else:
        m.background = mapnik.Color(view.background)
    image = mapnik.Image(view.width, view.height)
    mapnik.render(m, image)
    return image
