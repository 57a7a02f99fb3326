"""Choropleth map pictures: app.render (the same Mapnik renderer as the WMS) draws the map,
Pillow frames it with title, legend and source line. Used by f=png / f=jpg and inside DOCX/PDF
reports.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from app.render.mapnik_render import MapData, View
from app.render.mapnik_render import render_map as render_layers

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


def _fit(
    bbox: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[float, float, float, float]:
    """Grow `bbox` around its centre to the picture's aspect (shapes keep their proportions)."""
    minx, miny, maxx, maxy = bbox
    width, height = maxx - minx, maxy - miny
    aspect = size[0] / size[1]
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def render_map(
    feature_collection: dict[str, Any], size: tuple[int, int] = MAP_SIZE_PX
) -> Image.Image:
    """The features of a choropleth GeoJSON (each with a `color` property), drawn by Mapnik."""
    features = [f for f in feature_collection["features"] if f.get("geometry")]
    is_point = bool(features) and features[0]["geometry"]["type"] == "Point"
    data = MapData(
        key=None,  # a one-off picture: not kept among the WMS's prepared maps
        kind="point" if is_point else "polygon",
        geometries=tuple(f["geometry"] for f in features),
        colors=tuple(str(f["properties"]["color"]) for f in features),
        stroke="#333333" if is_point else "#555555",
    )
    # An opaque PNG8 of the map's own colours (and their blends at the edges): the WMS's fixed
    # palette, encoded in a third of the time of a 32-bit PNG, which Pillow decodes at once.
    view = View(_fit(BBOX_PERU, size), size[0], size[1], 4326, "png8", transparent=False)
    return Image.open(io.BytesIO(render_layers([data], view))).convert("RGB")


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


def map_image(
    feature_collection: dict[str, Any], title: str, subtitle: str, source_line: str, fmt: str
) -> bytes:
    """`compose_map` encoded as `fmt` (a module-level function, so that a report job bound to
    it with `functools.partial` is pickled by reference and its worker imports this module
    alone)."""
    return encode_image(compose_map(feature_collection, title, subtitle, source_line), fmt)


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
        # zlib's default level: `optimize=True` took 3.4 times as long for a file 0.6 % smaller
        image.save(buffer, format="PNG")
    return buffer.getvalue()
