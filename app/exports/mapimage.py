"""Choropleth map pictures: Mapnik draws the map, Pillow frames it with title, legend and
source line. Used by f=png / f=jpg and inside DOCX/PDF reports.

The OGC helper's app/render owns WMS rendering; this module only needs a fixed-size picture of
one choropleth, so it builds its own small Mapnik map from XML (one rule per class colour).
"""
# ruff: noqa: I001  (pyogrio must be imported before mapnik)

from __future__ import annotations

import io
import json
import textwrap
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyogrio  # noqa: F401  (sets PROJ data before mapnik changes PROJ_LIB)
import mapnik  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

MAP_SIZE_PX = (640, 760)
LEGEND_WIDTH_PX = 300
HEADER_PX = 70
FOOTER_PX = 60
BBOX_PERU = (-81.5, -18.5, -68.5, 0.2)
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _map_xml(colors: list[str], is_point: bool) -> str:
    rules = []
    for color in sorted(set(colors)):
        attr = quoteattr(color)
        if is_point:
            symbolizer = (
                f'<MarkersSymbolizer fill={attr} width="9" height="9" stroke="#333333" '
                'stroke-width="0.6" allow-overlap="true"/>'
            )
        else:
            symbolizer = (
                f"<PolygonSymbolizer fill={attr}/>"
                '<LineSymbolizer stroke="#555555" stroke-width="0.5"/>'
            )
        rules.append(f"<Rule><Filter>[color] = '{escape(color)}'</Filter>{symbolizer}</Rule>")
    return (
        '<Map srs="epsg:4326" background-color="#ffffff">'
        f'<Style name="choropleth">{"".join(rules)}</Style></Map>'
    )


def render_map(
    feature_collection: dict[str, Any], size: tuple[int, int] = MAP_SIZE_PX
) -> Image.Image:
    """The features of a choropleth GeoJSON (each with a `color` property), drawn by Mapnik."""
    features = [f for f in feature_collection["features"] if f.get("geometry")]
    colors = [str(f["properties"]["color"]) for f in features]
    is_point = bool(features) and features[0]["geometry"]["type"] == "Point"
    mapnik_map = mapnik.Map(*size)
    mapnik.load_map_from_string(mapnik_map, _map_xml(colors, is_point))
    slim = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {"color": c}}
            for f, c in zip(features, colors, strict=True)
        ],
    }
    if features:
        layer = mapnik.Layer("choropleth", "epsg:4326")
        layer.datasource = mapnik.Datasource(type="geojson", inline=json.dumps(slim))
        layer.styles.append("choropleth")
        mapnik_map.layers.append(layer)
    mapnik_map.zoom_to_box(mapnik.Box2d(*BBOX_PERU))
    image = mapnik.Image(*size)
    mapnik.render(mapnik_map, image)
    return Image.open(io.BytesIO(image.to_string("png"))).convert("RGB")


def compose_map(
    feature_collection: dict[str, Any], title: str, subtitle: str, source_line: str
) -> Image.Image:
    """Map plus a header (title), a legend panel and a footer (sources and attribution)."""
    body = render_map(feature_collection)
    width = body.width + LEGEND_WIDTH_PX
    height = body.height + HEADER_PX + FOOTER_PX
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(body, (0, HEADER_PX))
    draw = ImageDraw.Draw(canvas)
    draw.text((16, 12), title, fill="#111111", font=_font(22))
    draw.text((16, 42), subtitle, fill="#444444", font=_font(14))
    _draw_legend(draw, feature_collection.get("legend") or {}, body.width + 10, HEADER_PX + 10)
    lines = textwrap.wrap(source_line, width=int(width / 7.2))[:3]
    for i, line in enumerate(lines):
        draw.text((16, HEADER_PX + body.height + 6 + i * 16), line, fill="#555555", font=_font(11))
    return canvas


def _draw_legend(draw: ImageDraw.ImageDraw, legend: dict[str, Any], x: int, y: int) -> None:
    font = _font(13)
    entries = [(c["color"], c["label"], c["count"]) for c in legend.get("classes", [])]
    for key in ("suppressed", "missing"):
        extra = legend.get(key)
        if extra and extra.get("count"):
            entries.append((extra["color"], extra["label"], extra["count"]))
    for i, (color, label, count) in enumerate(entries):
        top = y + i * 26
        draw.rectangle((x, top, x + 22, top + 18), fill=color, outline="#555555")
        draw.text((x + 30, top + 1), f"{label} ({count})", fill="#111111", font=font)


def encode_image(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.save(buffer, format="JPEG", quality=90)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
