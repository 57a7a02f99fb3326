"""Map tiles (PNG) of the fixture data: drawn where features are, 204 elsewhere, ETagged."""

from __future__ import annotations

import io

import httpx
import morecantile
import pytest
from PIL import Image

from tests.support.server import ServerProcess

LURIGANCHO = (-76.99, -11.98)


def _map_url(base: str, cid: str, grid: str, tile: morecantile.Tile) -> str:
    return f"{base}/ogc/collections/{cid}/map/tiles/{grid}/{tile.z}/{tile.y}/{tile.x}"


@pytest.mark.parametrize("grid", ["WebMercatorQuad", "WorldCRS84Quad"])
@pytest.mark.parametrize("cid", ["provincias", "establecimientos_penitenciarios", "distritos"])
def test_map_tile_draws_the_layer_where_its_features_are(
    tile_server: ServerProcess, cid: str, grid: str
) -> None:
    tile = morecantile.tms.get(grid).tile(*LURIGANCHO, 7)
    response = httpx.get(_map_url(tile_server.base_url, cid, grid, tile), timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["etag"].startswith('"v')
    image = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert image.size == (256, 256)
    drawn = [p for p in image.getdata() if p[3] > 0]
    assert drawn and len(drawn) < 256 * 256  # the layer, on a transparent background


def test_map_tile_without_features_is_204(tile_server: ServerProcess) -> None:
    tile = morecantile.tms.get("WebMercatorQuad").tile(-70.0, -15.5, 8)
    response = httpx.get(_map_url(tile_server.base_url, "provincias", "WebMercatorQuad", tile))
    assert response.status_code == 204 and response.content == b""


def test_map_tile_revalidates(tile_server: ServerProcess) -> None:
    tile = morecantile.tms.get("WebMercatorQuad").tile(*LURIGANCHO, 6)
    url = _map_url(tile_server.base_url, "provincias", "WebMercatorQuad", tile)
    etag = httpx.get(url).headers["etag"]
    assert httpx.get(url, headers={"If-None-Match": f'W/{etag}, "x"'}).status_code == 304
