"""The same tiles from a PostGIS store as from the SQLite one."""

from __future__ import annotations

import httpx
import mapbox_vector_tile
import morecantile
import pytest

from tests.support.server import ServerProcess

LURIGANCHO = (-76.99, -11.98)


def _path(cid: str, kind: str, grid: str, zoom: int) -> str:
    tile = morecantile.tms.get(grid).tile(*LURIGANCHO, zoom)
    return f"/ogc/collections/{cid}/{kind}/{grid}/{tile.z}/{tile.y}/{tile.x}"


def _properties(tile: bytes, cid: str) -> list[dict[str, object]]:
    features = mapbox_vector_tile.decode(tile)[cid]["features"]
    # series_url names the server that answered (two servers, two ports)
    return [{k: v for k, v in f["properties"].items() if k != "series_url"} for f in features]


@pytest.mark.postgis
@pytest.mark.parametrize("fixture_store", ["postgis"], indirect=True)
def test_postgis_store_gives_the_same_tiles(
    server: ServerProcess, tile_server: ServerProcess
) -> None:
    for cid in ("provincias", "establecimientos_penitenciarios"):
        path = _path(cid, "tiles", "WebMercatorQuad", 6)
        ours = httpx.get(server.base_url + path, timeout=30)
        sqlite = httpx.get(tile_server.base_url + path, timeout=30)
        assert ours.status_code == sqlite.status_code == 200
        assert _properties(ours.content, cid) == _properties(sqlite.content, cid)
        assert len(_properties(ours.content, cid)) > 0
    path = _path("provincias", "map/tiles", "WorldCRS84Quad", 6)
    png = httpx.get(server.base_url + path, timeout=30)
    assert png.status_code == 200 and png.content == httpx.get(tile_server.base_url + path).content
