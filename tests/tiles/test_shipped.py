"""Tiles of the shipped dataset: every located feature in the world tile, maps drawn over Peru."""

from __future__ import annotations

import io
from typing import Any

import httpx
import mapbox_vector_tile
import morecantile
import pytest
from PIL import Image

from app.layers import default_layers
from tests.support.server import ServerProcess

LIMA = (-77.03, -12.05)


def test_every_shipped_layer_is_complete_in_the_world_tile(shipped_server: ServerProcess) -> None:
    base = shipped_server.base_url
    for layer in default_layers():
        items = httpx.get(
            f"{base}/ogc/collections/{layer.id}/items",
            params={"f": "json", "limit": 5000},
            timeout=120,
        ).json()
        located = {f["id"] for f in items["features"] if f["geometry"] is not None}
        assert len(items["features"]) == items["numberMatched"]
        response = httpx.get(
            f"{base}/ogc/collections/{layer.id}/tiles/WebMercatorQuad/0/0/0", timeout=60
        )
        if not located:
            assert response.status_code == 204
            continue
        codes = {f["properties"]["code"] for f in _features(response, layer.id)}
        assert codes <= located, layer.id
        if layer.geometry == "point":
            assert codes == located, layer.id
        else:
            # Simplified for the world tile and snapped to its 4096-unit grid, the smallest
            # districts (a few km across) collapse and are left out (measured: 1,613 of 1,824
            # distritos are drawn at zoom 0; provincias and departamentos all are).
            assert len(codes) >= 0.85 * len(located), (layer.id, len(codes), len(located))


def _features(response: httpx.Response, cid: str) -> list[dict[str, object]]:
    assert response.status_code == 200, response.text
    features: list[dict[str, object]] = mapbox_vector_tile.decode(response.content)[cid]["features"]
    return features


@pytest.mark.parametrize("grid", ["WebMercatorQuad", "WorldCRS84Quad"])
@pytest.mark.parametrize("cid", ["provincias", "establecimientos_penitenciarios"])
def test_map_tile_over_peru_is_a_coloured_png(
    shipped_server: ServerProcess, cid: str, grid: str
) -> None:
    tile = morecantile.tms.get(grid).tile(*LIMA, 5)
    response = httpx.get(
        f"{shipped_server.base_url}/ogc/collections/{cid}/map/tiles/{grid}/{tile.z}/{tile.y}/{tile.x}",
        timeout=60,
    )
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (256, 256)
    pixels = list(image.convert("RGBA").getdata())
    drawn = [p for p in pixels if p[3] > 0]
    colours = {p[:3] for p in drawn}
    assert len(drawn) > (0.3 if cid == "provincias" else 0.001) * len(pixels)
    assert len(colours) >= 3  # several classes and the borders, not a flat fill


REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def _link(document: dict[str, Any], rel: str, media_type: str = "application/json") -> str:
    (href,) = [
        link["href"]
        for link in document["links"]
        if link["rel"] == rel and link.get("type", media_type) == media_type
    ]
    assert isinstance(href, str)
    return href


def _get(url: str) -> dict[str, Any]:
    response = httpx.get(url, timeout=120)
    assert response.status_code == 200, (url, response.text)
    document: dict[str, Any] = response.json()
    return document


def _tile_url(tileset_url: str, zoom: int, lon_lat: tuple[float, float]) -> str:
    """The tile over `lon_lat` from the tileset's templated item link."""
    tileset = _get(tileset_url)
    grid = morecantile.tms.get(tileset_url.rsplit("/", 1)[1])
    tile = grid.tile(*lon_lat, zoom)
    template = _link(tileset, "item", _item_type(tileset))
    return (
        template.replace("{tileMatrix}", str(zoom))
        .replace("{tileRow}", str(tile.y))
        .replace("{tileCol}", str(tile.x))
    )


def _item_type(tileset: dict[str, Any]) -> str:
    return "application/vnd.mapbox-vector-tile" if tileset["dataType"] == "vector" else "image/png"


def test_links_lead_from_the_landing_page_to_every_tile(shipped_server: ServerProcess) -> None:
    """Landing page -> tiling schemes and collections -> tilesets -> tileset -> tile (MVT for
    every collection, PNG for every map), every link on the URL this client used."""
    base = shipped_server.base_url
    landing = _get(f"{base}/ogc?f=json")
    schemes = _get(_link(landing, REL + "tiling-schemes"))
    grid_ids = {s["id"] for s in schemes["tileMatrixSets"]}
    assert grid_ids == {"WebMercatorQuad", "WorldCRS84Quad"}
    conforms = set(_get(_link(landing, "conformance"))["conformsTo"])
    tiles_conf = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
    for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "png"):
        assert tiles_conf + name in conforms
    collections = _get(_link(landing, "data"))["collections"]
    assert {c["id"] for c in collections} == set(default_layers().ids())
    maps = 0
    for collection in collections:
        cid = collection["id"]
        hrefs = [link["href"] for link in collection["links"]]
        assert all(h.startswith(base) for h in hrefs if "opengis.net" not in h), cid
        for data_type in ("vector", "map"):
            rel = REL + f"tilesets-{data_type}"
            if data_type == "map" and not any(link["rel"] == rel for link in collection["links"]):
                continue
            tilesets = _get(_link(collection, rel))["tilesets"]
            assert {t["links"][0]["href"].rsplit("/", 1)[1] for t in tilesets} == grid_ids
            for tileset in tilesets:
                zoom = 0 if data_type == "vector" else 4
                response = httpx.get(
                    _tile_url(tileset["links"][0]["href"], zoom, LIMA), timeout=120
                )
                assert response.status_code == 200, (cid, data_type, response.text)
                assert response.headers["content-type"] == _item_type(tileset)
            if data_type == "vector":
                assert mapbox_vector_tile.decode(response.content)[cid]["features"], cid
            else:
                maps += 1
                assert Image.open(io.BytesIO(response.content)).format == "PNG"
    assert maps >= 3
