"""Every layer the shipped server advertises works as advertised, with no optional parameter.

The layers are read from GetCapabilities (OWSLib) and the OGC API collections, never listed by
hand: GetMap without TIME, GetLegendGraphic and GetFeatureInfo in every offered format for each
WMS layer; every OGC API map link; and the default style shows the indicator most features have.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import httpx
import pytest
from owslib.wms import WebMapService
from PIL import Image
from shapely.geometry import shape

from app.layers import default_layers
from tests.support.server import ServerProcess

INFO_FORMATS = ("text/html", "application/json", "text/plain")
SIZE = 101  # odd: the centre pixel is the feature's point


@cache
def _wms(base: str) -> WebMapService:
    return WebMapService(f"{base}/wms", version="1.3.0", timeout=120)


@cache
def _features(base: str, layer_id: str) -> tuple[dict[str, Any], ...]:
    response = httpx.get(
        f"{base}/ogc/collections/{layer_id}/items", params={"limit": 2000}, timeout=120
    )
    assert response.status_code == 200, response.text[:300]
    return tuple(response.json()["features"])


def _named_layers(base: str) -> list[str]:
    return [name for name in _wms(base).contents if name != "SIEP-Perú"]


@pytest.fixture(scope="module")
def names(shipped_server: ServerProcess) -> list[str]:
    found = _named_layers(shipped_server.base_url)
    assert len(found) >= 10
    return found


def test_every_wms_layer_has_a_time_default_that_is_its_latest_period(
    shipped_server: ServerProcess, names: list[str]
) -> None:
    for name in names:
        layer = _wms(shipped_server.base_url).contents[name]
        periods = layer.timepositions or []
        assert periods, f"{name} advertises no periods"
        assert all(len(p) == 10 for p in periods), (name, periods)  # full dates, as QGIS needs
        assert layer.defaulttimeposition in periods, name


def test_every_wms_layer_draws_without_time(
    shipped_server: ServerProcess, names: list[str]
) -> None:
    """Through OWSLib's GetMap: the URL it uses is the capabilities' own."""
    wms = _wms(shipped_server.base_url)
    for name in names:
        response = wms.getmap(
            layers=[name],
            styles=[""],
            srs="CRS:84",
            bbox=(-81.5, -18.5, -68.5, 0.1),
            size=(130, 186),
            format="image/png",
            transparent=True,
            timeout=60,
        )
        assert response.info()["Content-Type"] == "image/png", name
        image = Image.open(io.BytesIO(response.read())).convert("RGBA")
        assert image.getextrema()[3][1] > 0, f"{name} draws nothing"


def test_every_wms_layer_has_a_legend(shipped_server: ServerProcess, names: list[str]) -> None:
    for name in names:
        for style in _wms(shipped_server.base_url).contents[name].styles.values():
            response = httpx.get(style["legend"], timeout=60)
            assert response.status_code == 200, (name, response.text[:300])
            assert response.headers["content-type"] == "image/png"


def _feature_with_value(base: str, name: str) -> dict[str, Any]:
    layer_id, _, indicator = name.partition(".")
    layer = default_layers().get(layer_id)
    assert layer is not None
    code = indicator or layer.default_indicator
    features = [f for f in _features(base, layer_id) if f["properties"].get(code) is not None]
    assert features, f"{name}: no feature carries {code}"
    return features[0]


def test_every_wms_layer_answers_feature_info_in_every_format(
    shipped_server: ServerProcess, names: list[str]
) -> None:
    base = shipped_server.base_url
    for name in names:
        feature = _feature_with_value(base, name)
        point = shape(feature["geometry"]).representative_point()
        half = 0.01
        bbox = f"{point.x - half},{point.y - half},{point.x + half},{point.y + half}"
        for info_format in INFO_FORMATS:
            response = httpx.get(
                f"{base}/wms",
                params={
                    "SERVICE": "WMS",
                    "VERSION": "1.3.0",
                    "REQUEST": "GetFeatureInfo",
                    "LAYERS": name,
                    "QUERY_LAYERS": name,
                    "STYLES": "",
                    "CRS": "CRS:84",
                    "BBOX": bbox,
                    "WIDTH": str(SIZE),
                    "HEIGHT": str(SIZE),
                    "I": str(SIZE // 2),
                    "J": str(SIZE // 2),
                    "INFO_FORMAT": info_format,
                },
                timeout=60,
            )
            assert response.status_code == 200, (name, info_format, response.text[:300])
            assert response.headers["content-type"].startswith(info_format)
            assert str(feature["id"]) in response.text, (name, info_format)


def test_every_ogc_api_map_link_renders(shipped_server: ServerProcess) -> None:
    base = shipped_server.base_url
    collections = httpx.get(f"{base}/ogc/collections", params={"f": "json"}, timeout=60).json()
    maps = [
        link["href"]
        for collection in collections["collections"]
        for link in collection["links"]
        if link["rel"].endswith("/map")
    ]
    assert maps
    for href in maps:
        response = httpx.get(href, timeout=60)
        assert response.status_code == 200, (href, response.text[:300])
        assert response.headers["content-type"] == "image/png"


def test_a_bad_map_request_is_a_json_error(shipped_server: ServerProcess) -> None:
    response = httpx.get(
        f"{shipped_server.base_url}/ogc/collections/departamentos/map",
        params={"bbox": "1,1,0,0"},
        timeout=60,
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "bbox" in response.json()["description"]


@pytest.mark.parametrize("layer_id", default_layers().ids())
def test_default_indicator_is_the_one_most_features_have(
    shipped_server: ServerProcess, layer_id: str
) -> None:
    layer = default_layers().get(layer_id)
    assert layer is not None
    features = _features(shipped_server.base_url, layer_id)

    def coverage(code: str) -> int:
        return sum(f["properties"].get(code) is not None for f in features)

    best = max(coverage(code) for code in layer.indicators)
    assert coverage(layer.default_indicator) == best
