"""Vector tiles (MVT) of every collection, read back with mapbox-vector-tile and GDAL."""

from __future__ import annotations

from pathlib import Path

import httpx
import mapbox_vector_tile
import morecantile
import pyogrio
import pytest
from pyproj import Transformer

from tests.ogc.test_clients import FIXTURE_COUNTS
from tests.support.server import ServerProcess

GRIDS = ("WebMercatorQuad", "WorldCRS84Quad")
LURIGANCHO = (-76.99, -11.98)  # fixture establishments (tests/fixtures/geodata)
CALLAO = (-78.5, -12.06)


def _tile(lon_lat: tuple[float, float], zoom: int, grid: str) -> morecantile.Tile:
    return morecantile.tms.get(grid).tile(*lon_lat, zoom)


def _url(base: str, cid: str, grid: str, tile: morecantile.Tile) -> str:
    return f"{base}/ogc/collections/{cid}/tiles/{grid}/{tile.z}/{tile.y}/{tile.x}"


def _features(response: httpx.Response, cid: str) -> list[dict[str, object]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.content)
    assert list(layers) == [cid]
    features: list[dict[str, object]] = layers[cid]["features"]
    return features


@pytest.mark.parametrize("grid", GRIDS)
def test_tile_holds_its_features_with_their_ogc_api_properties(
    tile_server: ServerProcess, grid: str
) -> None:
    base, cid = tile_server.base_url, "establecimientos_penitenciarios"
    tile = _tile(LURIGANCHO, 8, grid)
    assert tile != _tile(CALLAO, 8, grid)
    features = _features(httpx.get(_url(base, cid, grid, tile), timeout=60), cid)
    item = httpx.get(f"{base}/ogc/collections/{cid}/items/EP-LURIGANCHO?f=json", timeout=60).json()
    expected = {k: v for k, v in item["properties"].items() if v is not None}
    # Tiles are shared by every host, so their link is the path; the item's is absolute.
    (tiled,) = [dict(f["properties"]) for f in features]
    assert expected.pop("series_url").endswith(tiled.pop("series_url"))
    assert tiled == expected
    assert expected["population"] is not None and "population_period" in expected


@pytest.mark.parametrize("grid", GRIDS)
@pytest.mark.parametrize("cid", sorted(FIXTURE_COUNTS))
def test_every_collection_has_all_its_features_in_the_tile_over_peru(
    tile_server: ServerProcess, cid: str, grid: str
) -> None:
    tile = _tile(LURIGANCHO, 0, grid)
    response = httpx.get(_url(tile_server.base_url, cid, grid, tile))
    if FIXTURE_COUNTS[cid] == 0:  # the fixture data has no E.M.L.
        assert response.status_code == 204
        return
    assert len(_features(response, cid)) == FIXTURE_COUNTS[cid]


def test_polygons_are_clipped_to_the_tile_and_its_buffer(tile_server: ServerProcess) -> None:
    tile = _tile(LURIGANCHO, 9, "WebMercatorQuad")
    features = _features(
        httpx.get(_url(tile_server.base_url, "departamentos", "WebMercatorQuad", tile)),
        "departamentos",
    )
    assert [f["properties"]["code"] for f in features] == ["15"]
    geometry = features[0]["geometry"]
    assert isinstance(geometry, dict) and geometry["type"] in ("Polygon", "MultiPolygon")
    flat = str(geometry["coordinates"]).replace("[", "").replace("]", "").split(",")
    values = [float(v) for v in flat]
    assert min(values) >= -64 and max(values) <= 4096 + 64


def test_a_tile_without_features_is_204(tile_server: ServerProcess) -> None:
    tile = _tile((-70.0, -15.5), 8, "WebMercatorQuad")  # Puno: no fixture feature
    response = httpx.get(_url(tile_server.base_url, "provincias", "WebMercatorQuad", tile))
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("provincias/tiles/WebMercatorQuad/19/0/0", 400, "tileMatrix must be 0 to 18"),
        ("provincias/tiles/WebMercatorQuad/2/4/0", 400, "tileRow must be 0 to 3"),
        ("provincias/tiles/WorldCRS84Quad/1/0/4", 400, "tileCol must be 0 to 3"),
        ("provincias/tiles/WebMercatorQuad/-1/0/0", 400, "non-negative integer"),
        ("provincias/tiles/WebMercatorQuad/1/0/x", 400, "tileCol must be a non-negative"),
        ("provincias/tiles/WebMercatorQuad/0/0/0?f=png", 400, "f must be 'mvt'"),
        ("provincias/map/tiles/WebMercatorQuad/0/0/0?f=mvt", 400, "f must be 'png'"),
        ("provincias/tiles/NZTM2000Quad/0/0/0", 404, "WebMercatorQuad, WorldCRS84Quad"),
        ("carceles/tiles/WebMercatorQuad/0/0/0", 404, "no collection 'carceles'"),
        ("carceles/map/tiles/WebMercatorQuad", 404, "no collection"),
    ],
)
def test_bad_tile_addresses_get_an_ogc_exception(
    tile_server: ServerProcess, path: str, status: int, words: str
) -> None:
    response = httpx.get(f"{tile_server.base_url}/ogc/collections/{path}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] in ("InvalidParameterValue", "NotFound") and words in body["description"]


def test_tiles_carry_the_data_version_etag_and_revalidate(tile_server: ServerProcess) -> None:
    url = _url(
        tile_server.base_url,
        "provincias",
        "WebMercatorQuad",
        _tile(LURIGANCHO, 7, "WebMercatorQuad"),
    )
    with httpx.Client() as client:
        first = client.get(url)
        etag = first.headers["etag"]
        assert etag == client.get(f"{tile_server.base_url}/api/v1/meta").headers.get("etag", etag)
        for _ in range(3):  # the first asks pass through, later ones come from the cache
            again = client.get(url)
            assert again.content == first.content and again.headers["etag"] == etag
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"v0"'}).status_code == 200


def test_gdal_reads_a_downloaded_tile_georeferenced(
    tile_server: ServerProcess, tmp_path: Path
) -> None:
    cid, tile = "establecimientos_penitenciarios", _tile(LURIGANCHO, 8, "WebMercatorQuad")
    response = httpx.get(_url(tile_server.base_url, cid, "WebMercatorQuad", tile))
    # GDAL's MVT driver takes the tile's place from a .../z/x/y.pbf path (WebMercatorQuad).
    path = tmp_path / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path, layer=cid)
    assert frame.crs.to_epsg() == 3857
    assert list(frame["code"]) == ["EP-LURIGANCHO"]
    to_lon_lat = Transformer.from_crs(3857, 4326, always_xy=True)
    lon, lat = to_lon_lat.transform(frame.geometry.iloc[0].x, frame.geometry.iloc[0].y)
    assert lon == pytest.approx(LURIGANCHO[0], abs=0.01)
    assert lat == pytest.approx(LURIGANCHO[1], abs=0.01)


def test_gdal_opens_a_tile_url(tile_server: ServerProcess) -> None:
    url = _url(
        tile_server.base_url, "provincias", "WorldCRS84Quad", _tile(LURIGANCHO, 0, "WorldCRS84Quad")
    )
    frame = pyogrio.read_dataframe(f"MVT:{url}?f=mvt", layer="provincias")
    assert sorted(frame["code"]) == ["0701", "1501"]
