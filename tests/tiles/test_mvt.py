"""The MVT encoder against mapbox-vector-tile's reference encoder, on the shipped polygons."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import shape

from app.catalog.build import build_catalog
from app.domain.features import FeatureTable, build_table
from app.layers import default_layers
from app.stats.suppress import NO_SUPPRESSION
from app.store.engine import make_engine
from app.tiles.grid import GRIDS, tile_address
from app.tiles.mvt import EXTENT, buffered, encode_tile
from app.tiles.properties import layer_properties
from app.tiles.sources import prepare, tile_band


@pytest.fixture(scope="module")
def tables(shipped_store_url: str) -> dict[str, FeatureTable]:
    engine = make_engine(shipped_store_url)
    try:
        catalog = build_catalog(engine)
    finally:
        engine.dispose()
    layers = default_layers()
    return {
        layer_id: build_table(catalog, layers.get(layer_id), NO_SUPPRESSION)  # type: ignore[arg-type]
        for layer_id in ("provincias", "establecimientos_penitenciarios")
    }


@pytest.mark.parametrize(
    ("layer_id", "grid_id", "address"),
    [
        ("provincias", "WebMercatorQuad", (0, 0, 0)),
        ("provincias", "WebMercatorQuad", (6, 33, 18)),  # Lima and its coast
        ("provincias", "WorldCRS84Quad", (5, 18, 18)),
        ("provincias", "WebMercatorQuad", (13, 4198, 2423)),  # inside Maynas: fills the tile
        ("establecimientos_penitenciarios", "WebMercatorQuad", (7, 67, 37)),
    ],
)
def test_tiles_decode_like_the_reference_encoder(
    tables: dict[str, FeatureTable], layer_id: str, grid_id: str, address: tuple[int, int, int]
) -> None:
    table, grid = tables[layer_id], GRIDS[grid_id]
    tile = tile_address(grid, *(str(v) for v in address))
    bounds = tile.bounds
    prepared = prepare(table, grid, tile_band(table, grid, bounds))
    ours = encode_tile(table, layer_properties(table), prepared, bounds)
    assert ours is not None
    rows, geometries = prepared.query(buffered(bounds))
    if table.layer.geometry == "polygon":
        geometries = shapely.clip_by_rect(geometries, *buffered(bounds))
    features = [
        {
            "geometry": g,
            "properties": {k: v for k, v in table.properties[r].items() if v is not None},
        }
        for r, g in zip(rows, geometries, strict=True)
        if not g.is_empty
        and (table.layer.geometry == "polygon" or g.intersects(shapely.box(*bounds)))
    ]
    reference = mapbox_vector_tile.encode(
        [{"name": layer_id, "features": features}],
        default_options={"quantize_bounds": bounds, "extents": EXTENT},
    )
    decoded = mapbox_vector_tile.decode(ours)[layer_id]
    expected = mapbox_vector_tile.decode(reference)[layer_id]
    assert decoded["extent"] == EXTENT
    got = {f["properties"]["code"]: f for f in decoded["features"]}
    want = {f["properties"]["code"]: f for f in expected["features"]}
    assert set(got) == set(want) and len(got) > 0
    for code, feature in want.items():
        assert got[code]["properties"] == feature["properties"]
        mine, theirs = shape(got[code]["geometry"]), shape(feature["geometry"])
        if theirs.geom_type == "Point":
            assert mine.equals(theirs)
        else:
            assert mine.is_valid or shapely.make_valid(mine).area > 0
            assert mine.symmetric_difference(theirs).area <= 0.01 * theirs.area + 64
    if table.layer.geometry == "polygon":
        _assert_exteriors_have_positive_area(ours, layer_id)


def _signed_area(ring: list[list[int]]) -> int:
    return sum(
        ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)
    )


def _assert_exteriors_have_positive_area(tile: bytes, layer_id: str) -> None:
    """MVT 2.1 section 4.3.4.4: in tile coordinates (y down) exterior rings have positive area,
    interior rings negative; mapbox-vector-tile's decoder does not check it."""
    raw = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})[layer_id]
    for feature in raw["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            assert _signed_area(rings[0]) > 0
            assert all(_signed_area(ring) < 0 for ring in rings[1:])
