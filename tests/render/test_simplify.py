"""Prepared polygon layers: zoom bands, coverage-preserving simplification, shared edges once,
and tiles drawn from them that look like tiles drawn from the full geometry."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.geometry import Polygon

from app.ogc.crs import transformer
from app.render.mapnik_render import MapData, View, render_map
from app.render.simplify import MAX_BAND, MIN_BAND, GeometryBands, band_for

COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c")


def _wiggly_grid() -> list[Polygon]:
    """Four neighbours over central Peru sharing finely wiggled borders (many vertices)."""
    xs = [-78.0, -76.0, -74.0]
    ys = [-14.0, -12.0, -10.0]

    def vertical(x: float, y0: float, y1: float) -> list[tuple[float, float]]:
        steps = 400
        return [(x + 0.003 * math.sin(i), y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]

    cells = []
    for i in range(2):
        for j in range(2):
            x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
            left = vertical(x0, y0, y1) if i == 1 else [(x0, y0), (x0, y1)]
            right = vertical(x1, y0, y1) if i == 0 else [(x1, y0), (x1, y1)]
            ring = [*left, *reversed(right)]
            cells.append(Polygon(ring))
    return cells


@pytest.mark.parametrize(
    ("bbox", "size", "epsg", "expected"),
    [
        ((-180.0, -90.0, 180.0, 90.0), 256, 4326, MIN_BAND),  # the world on one tile
        ((-81.5, -18.5, -68.5, 0.1), 256, 4326, 5),  # all Peru: 0.05 degrees a pixel
        ((-78.0, -13.0, -76.0, -11.0), 256, 4326, 8),
        ((-77.0, -12.0, -76.9, -11.9), 256, 4326, None),  # closer than any band: full
    ],
)
def test_band_matches_half_a_pixel(
    bbox: tuple[float, float, float, float], size: int, epsg: int, expected: int | None
) -> None:
    assert band_for(bbox, size, size, epsg) == expected


@pytest.mark.parametrize("zoom", [5, 6, 7])
def test_web_mercator_tile_gets_its_zoom_band(zoom: int) -> None:
    half = 20037508.342789244
    span = 2 * half / 2**zoom
    x, y = transformer(4326, 3857).transform(-75.0, -10.0)
    band = band_for((x, y, x + span, y + span), 256, 256, 3857)
    assert band is not None and zoom <= band <= min(zoom + 1, MAX_BAND)


def test_simplified_bands_keep_every_feature_and_no_gaps() -> None:
    cells = _wiggly_grid()
    bands = GeometryBands([*cells, None])
    full = bands.at(None)
    coarse = bands.at(MIN_BAND)
    assert coarse.fills[-1] is None and all(f is not None for f in coarse.fills[:-1])
    shapes = np.array([shapely.geometry.shape(f) for f in coarse.fills[:-1]])
    assert (
        shapely.get_num_coordinates(shapes).sum()
        < shapely.get_num_coordinates(np.array(cells)).sum() / 10
    )
    assert all(shapely.is_valid(shapes))
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(shapely.union_all(cells).area, rel=1e-3)
    assert shapely.intersection_all(shapes[:2]).area == pytest.approx(0, abs=1e-9)  # no overlap
    assert len(full.edges) > 0


def test_shared_borders_are_drawn_once() -> None:
    cells = _wiggly_grid()
    edges = GeometryBands(cells).at(None).edges
    length = sum(shapely.geometry.shape(e).length for e in edges)
    outlines = sum(c.exterior.length for c in cells)
    assert length < outlines * 0.8  # the inner borders are shared: counted once


def _tile(data: MapData, bbox: tuple[float, float, float, float]) -> Image.Image:
    png = render_map([data], View(bbox, 256, 256, 4326, "png8", transparent=False))
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"  # still an 8-bit palette PNG
    return image.convert("RGB")


def test_tiles_from_prepared_bands_look_like_full_geometry_tiles() -> None:
    cells = _wiggly_grid()
    geojson = tuple(shapely.geometry.mapping(c) for c in cells)
    plain = MapData(("t", "plain"), "polygon", geojson, COLORS)
    prepared = MapData(("t", "bands"), "polygon", geojson, COLORS, bands=GeometryBands(cells))
    bbox = (-81.5, -18.5, -68.5, 0.1)  # a coarse band
    a = np.asarray(_tile(plain, bbox)).astype(int)
    b = np.asarray(_tile(prepared, bbox)).astype(int)
    differing = (np.abs(a - b).sum(axis=2) > 60).mean()
    assert differing < 0.02
    colours = {tuple(int(v) for v in px) for px in b.reshape(-1, 3)}
    for color in COLORS:
        rgb = tuple(int(color[k : k + 2], 16) for k in (1, 3, 5))
        assert rgb in colours  # every class colour is in the palette, exactly


def test_opaque_png8_of_many_colours_still_encodes() -> None:
    cells = _wiggly_grid()
    colors = tuple(f"#{i * 40:02x}{255 - i * 40:02x}80" for i in range(4))
    many = ("#000000", "#111111", "#222222", "#333333", "#444444", "#555555", "#666666")
    data = MapData(("t", "many"), "polygon", tuple(shapely.geometry.mapping(c) for c in cells),
                   colors)  # fmt: skip
    points = MapData(("t", "pts"), "point",
                     tuple({"type": "Point", "coordinates": [-75.0 + i * 0.1, -12.0]} for i in range(7)),
                     many)  # fmt: skip
    png = render_map([data, points], View((-79, -15, -73, -9), 128, 128, 4326, "png8", False))
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"
    rgb = {tuple(int(v) for v in px) for px in np.asarray(image.convert("RGB")).reshape(-1, 3)}
    assert (0x00, 0xFF, 0x80) in rgb  # the first fill colour, exact
