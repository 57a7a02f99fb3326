"""Mapnik rendering: colours where features are, transparency elsewhere, every format and CRS."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.ogc.crs import transformer
from app.render.legend import render_legend
from app.render.mapnik_render import MapData, View, render_map

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-78, -13], [-76, -13], [-76, -11], [-78, -11], [-78, -13]]],
}
POLYGONS = MapData(("test", "polygons"), "polygon", (SQUARE, None), ("#bd0026", "#ffffb2"))
POINTS = MapData(
    ("test", "points"), "point", ({"type": "Point", "coordinates": [-72.0, -10.0]},), ("#2171b5",)
)


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGBA")


def test_polygon_fill_inside_and_transparent_outside() -> None:
    image = _image(render_map([POLYGONS], View((-80, -15, -70, -8), 200, 140)))
    assert image.getpixel((60, 80))[:4] == (0xBD, 0x00, 0x26, 255)  # lon -77, lat -12
    assert image.getpixel((190, 10))[3] == 0


def test_points_are_drawn_over_polygons() -> None:
    image = _image(render_map([POLYGONS, POINTS], View((-80, -15, -70, -8), 200, 140)))
    assert image.getpixel((160, 40))[:3] == (0x21, 0x71, 0xB5)


@pytest.mark.parametrize("epsg", [3857, 32718])
def test_projected_crs(epsg: int) -> None:
    bbox = transformer(4326, epsg).transform_bounds(-80, -15, -70, -8)
    image = _image(render_map([POLYGONS], View(bbox, 256, 256, epsg)))
    colours = {image.getpixel((x, y))[:3] for x in range(0, 256, 8) for y in range(0, 256, 8)}
    assert (0xBD, 0x00, 0x26) in colours


@pytest.mark.parametrize(
    ("fmt", "magic"), [("png", b"\x89PNG"), ("png8", b"\x89PNG"), ("jpeg", b"\xff\xd8")]
)
def test_formats(fmt: str, magic: bytes) -> None:
    data = render_map(
        [POLYGONS], View((-80, -15, -70, -8), 300, 100, image_format=fmt, transparent=False)
    )  # type: ignore[arg-type]
    assert data.startswith(magic)
    assert Image.open(io.BytesIO(data)).size == (300, 100)


def test_png8_is_palette_image() -> None:
    data = render_map([POLYGONS], View((-80, -15, -70, -8), 100, 100, image_format="png8"))
    assert Image.open(io.BytesIO(data)).mode == "P"


def test_opaque_background() -> None:
    image = _image(
        render_map(
            [POLYGONS], View((-80, -15, -70, -8), 100, 100, transparent=False, background="#00ff00")
        )
    )
    assert image.getpixel((95, 5)) == (0, 255, 0, 255)


def test_legend_draws_each_entry() -> None:
    image = _image(
        render_legend("Población penal (2024-12)", [("#ffffb2", "1 – 10"), ("#bd0026", "10 – 20")])
    )
    assert image.height >= 60
    colours = {image.getpixel((x, y))[:3] for x in range(image.width) for y in range(image.height)}
    assert (0xBD, 0x00, 0x26) in colours
