"""Render coloured polygons and points with Mapnik.

The server draws through a pool of worker processes (app/render/pool.py, chosen per
request through `current_renderer`): the mapnik 4.3 wheel never releases the GIL, so a render in a thread of the
server stalls its event loop. Without a pool (inside a worker, in tests, in the CLI) maps are
drawn in the calling process under one lock (Mapnik `Map` objects are not thread-safe, and
per-thread copies doubled memory: 822 MB instead of 420 MB under the rotating-tile bench).
Prepared Maps (one per data identity `MapData.key`, CRS and zoom band) are kept in a ByteLru.
Mapnik is imported on the first render; `import mapnik` points PROJ at a folder without proj.db, so PROJ_DATA is set first (DESIGN.md).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from html import escape  # xml.sax.saxutils would load urllib, http and ssl (8 MB) in every worker
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import orjson

from app.bounded_cache import ByteLru

if TYPE_CHECKING:  # simplify needs shapely and, through geography, pandas: not in the workers
    from app.render.simplify import GeoJson, GeometryBands


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
    """Mapnik, imported on the first render rather than when the server starts."""
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


class MissingMapError(Exception):
    """A worker was asked to draw with a prepared map it does not hold (app/render/pool.py)."""


class Renderer(Protocol):
    """Where maps are drawn: a pool of worker processes (app/render/pool.py)."""

    def render_map(
        self,
        key: Hashable | None,
        xml_of: Callable[[], str],
        view: View,
        colors: tuple[str, ...] | None,
    ) -> bytes: ...


def prepared_maps(max_bytes: int) -> ByteLru[Hashable, Any]:
    """The cache of prepared Mapnik maps (the same bounds in a worker and in its mirror)."""
    return ByteLru(max_bytes, max_entries=MAX_MAPS)


def map_size_bytes(xml: str) -> int:
    return MAPNIK_BYTES_PER_XML_BYTE * len(xml)


# Maps drawn in this process (no pool installed: worker processes, tests, the CLI). Mapnik
# holds the GIL while it draws, so one lock costs no parallelism and makes the shared Maps safe.
_local_maps = prepared_maps(MAX_MAP_CACHE_BYTES)
_local_lock = threading.Lock()
# The renderer of the app serving the current request (set per request by
# app.main.RendererMiddleware; threads started with run_in_threadpool or asyncio.to_thread
# inherit it); None: draw in this process.
current_renderer: ContextVar[Renderer | None] = ContextVar("current_renderer", default=None)


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


_palettes: ByteLru[tuple[str, ...], Any] = ByteLru(1024 * 1024)


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
        return False
    return _mapnik().Palette(bytes(v for rgb in sorted(entries) for v in rgb), "rgb")


def _palette_colors(layers: Sequence[MapData], view: View) -> tuple[str, ...] | None:
    """The colours of an opaque PNG8 map (then a fixed palette skips the quantiser)."""
    if view.image_format != "png8" or view.transparent:
        return None
    colors = {view.background}
    for data in layers:
        colors.update(data.colors)
        colors.add(data.stroke)
    if not all(len(c) == 7 and c.startswith("#") for c in colors):
        return None
    return tuple(sorted(colors))


def _encode(image: Any, view: View, colors: tuple[str, ...] | None) -> bytes:
    if colors is not None:
        palette = _palettes.get_or_build(colors, lambda: (_palette(colors), 3 * 256))
        if palette is not False:
            return bytes(image.to_string(PALETTE_ENCODER, palette))
    return bytes(image.to_string(ENCODERS[view.image_format]))


def render_map(layers: Sequence[MapData], view: View) -> bytes:
    """Draw `layers` (first at the bottom) into an encoded image."""
    if view.epsg not in SUPPORTED_EPSG:
        raise ValueError(f"EPSG:{view.epsg} is not supported")
    from app.render.simplify import band_for  # the server has it; map workers never call this

    band = None
    if any(d.bands is not None for d in layers):
        band = band_for(view.bbox, view.width, view.height, view.epsg)
    key = None
    if all(d.key is not None for d in layers):
        key = (tuple(d.key for d in layers), view.epsg, band)
    colors = _palette_colors(layers, view)

    def xml_of() -> str:
        return map_xml(layers, view.epsg, band)

    renderer = current_renderer.get()
    if renderer is not None:
        return renderer.render_map(key, xml_of, view, colors)
    with _local_lock:
        return draw(_local_maps, key, xml_of() if key not in _local_maps else None, view, colors)


def draw(
    maps: ByteLru[Hashable, Any],
    key: Hashable | None,
    xml: str | None,
    view: View,
    colors: tuple[str, ...] | None,
) -> bytes:
    """Draw the prepared map `key` (built from `xml` when given; None: a one-off from `xml`)."""
    if xml is None:
        m = maps.get(key)
        if m is None:
            raise MissingMapError(key)
    else:
        m = _mapnik().Map(256, 256)
        _mapnik().load_map_from_string(m, xml)
        if key is not None:
            maps.put(key, m, map_size_bytes(xml))
    return _encode(_draw(m, view), view, colors)


def _draw(m: Any, view: View) -> Any:
    m.resize(view.width, view.height)
    m.aspect_fix_mode = _mapnik().aspect_fix_mode.RESPECT
    m.zoom_to_box(_mapnik().Box2d(*view.bbox))
    if view.transparent and view.image_format != "jpeg":
        m.background = _mapnik().Color(0, 0, 0, 0)
    else:
        m.background = _mapnik().Color(view.background)
    image = _mapnik().Image(view.width, view.height)
    _mapnik().render(m, image)
    return image
