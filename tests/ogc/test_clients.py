"""Real GIS clients (OWSLib, GDAL/OGR through pyogrio) against a running server."""

from __future__ import annotations

import io

import httpx
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from PIL import Image

from app.layers import default_layers
from tests.support.server import ServerProcess

LAYER_IDS = default_layers().ids()
FIXTURE_COUNTS = {
    "departamentos": 2,
    "provincias": 2,
    "distritos": 2,
    "oficinas_regionales": 1,
    "establecimientos_penitenciarios": 2,
    "establecimientos_medio_libre": 0,
}


def _api_values(base: str, indicator: str, level: str, period: str) -> dict[str, float | None]:
    doc = httpx.get(
        f"{base}/api/v1/choropleth",
        params={"indicator": indicator, "level": level, "period": period},
        timeout=30,
    ).json()
    return {f["properties"]["code"]: f["properties"]["value"] for f in doc["features"]}


def test_owslib_wms_lists_a_layer_per_indicator(server: ServerProcess) -> None:
    wms = WebMapService(f"{server.base_url}/wms", version="1.3.0", timeout=120)
    assert "departamentos.population" in wms.contents
    layer = wms.contents["departamentos.population"]
    assert "EPSG:32718" in layer.crsOptions and "CRS:84" in layer.crsOptions
    assert {"quantiles", "jenks", "equal_interval"} <= set(layer.styles)
    assert "2024-12-01" in (layer.timepositions or [])


def test_wms_getmap_colours_peru_and_leaves_outside_transparent(server: ServerProcess) -> None:
    wms = WebMapService(f"{server.base_url}/wms", version="1.3.0", timeout=120)
    # OWSLib takes x,y and sends lat,lon for EPSG:4326 in 1.3.0 (fixture squares lie inside).
    response = wms.getmap(
        layers=["departamentos.population"],
        styles=[""],
        srs="EPSG:4326",
        bbox=(-80, -14, -75, -10),
        size=(500, 400),
        format="image/png",
        transparent=True,
    )
    image = Image.open(io.BytesIO(response.read())).convert("RGBA")
    colors = {
        f["properties"]["code"]: f["properties"]["color"]
        for f in httpx.get(
            f"{server.base_url}/api/v1/choropleth",
            params={"indicator": "population", "level": "departamento", "period": "2024-12"},
        ).json()["features"]
    }

    def pixel(lon: float, lat: float) -> tuple[int, int, int, int]:
        return image.getpixel((int((lon + 80) / 5 * 500), int((-10 - lat) / 4 * 400)))

    lima = pixel(-77.0, -12.0)
    assert lima[3] == 255
    assert "#{:02x}{:02x}{:02x}".format(*lima[:3]) == colors["15"]
    assert pixel(-75.5, -10.5)[3] == 0  # outside every polygon


def test_wms_getmap_formats_and_crs(server: ServerProcess) -> None:
    base = {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetMap",
        "LAYERS": "departamentos.population,establecimientos_penitenciarios.population",
        "STYLES": ",",
        "WIDTH": "300",
        "HEIGHT": "200",
        "TRANSPARENT": "TRUE",
        "DPI": "96",
        "MAP_RESOLUTION": "96",
        "FORMAT_OPTIONS": "dpi:96",
    }
    cases = [
        ("EPSG:3857", "-8905559,-1459732,-8348961,-1118890", "image/png; mode=8bit"),
        ("EPSG:32718", "-100000,8500000,500000,8900000", "image/jpeg"),
        ("CRS:84", "-80,-14,-75,-10", "image/png"),
    ]
    for crs, bbox, fmt in cases:
        r = httpx.get(
            f"{server.base_url}/wms", params={**base, "CRS": crs, "BBOX": bbox, "FORMAT": fmt}
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == fmt.split(";")[0]
        assert Image.open(io.BytesIO(r.content)).size == (300, 200)


def test_wms_1_1_1_uses_lon_lat_order(server: ServerProcess) -> None:
    wms = WebMapService(f"{server.base_url}/wms", version="1.1.1", timeout=120)
    img = wms.getmap(
        layers=["departamentos.population"],
        styles=[""],
        srs="EPSG:4326",
        bbox=(-80, -14, -75, -10),
        size=(500, 400),
        format="image/png",
        transparent=True,
    )
    image = Image.open(io.BytesIO(img.read())).convert("RGBA")
    assert image.getpixel((300, 200))[3] == 255  # lon -77, lat -12 (Lima square)


def test_wms_feature_info_matches_api(server: ServerProcess) -> None:
    params = {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetFeatureInfo",
        "LAYERS": "departamentos.population",
        "QUERY_LAYERS": "departamentos.population",
        "STYLES": "",
        "CRS": "EPSG:4326",
        "BBOX": "-14,-80,-10,-75",
        "WIDTH": "500",
        "HEIGHT": "400",
        "I": "300",
        "J": "200",
    }
    api = _api_values(server.base_url, "population", "departamento", "2024-12")
    doc = httpx.get(
        f"{server.base_url}/wms", params={**params, "INFO_FORMAT": "application/json"}
    ).json()
    assert [f["properties"]["code"] for f in doc["features"]] == ["15"]
    assert doc["features"][0]["properties"]["value"] == api["15"]
    for fmt in ("text/html", "text/xml"):
        r = httpx.get(f"{server.base_url}/wms", params={**params, "INFO_FORMAT": fmt})
        assert r.status_code == 200 and r.headers["content-type"].startswith(fmt)


def test_wms_legend_graphic(server: ServerProcess) -> None:
    r = httpx.get(
        f"{server.base_url}/wms",
        params={
            "SERVICE": "WMS",
            "REQUEST": "GetLegendGraphic",
            "LAYER": "departamentos.population",
            "FORMAT": "image/png",
            "STYLE": "jenks",
        },
    )
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size[1] > 40


def test_owslib_wfs_reads_every_layer(server: ServerProcess) -> None:
    wfs = WebFeatureService(f"{server.base_url}/wfs", version="2.0.0", timeout=120)
    assert sorted(wfs.contents) == sorted(f"siep:{i}" for i in LAYER_IDS)
    response = wfs.getfeature(typename=["siep:departamentos"], outputFormat="application/json")
    import json

    doc = json.loads(response.read())
    assert doc["numberMatched"] == 2 and len(doc["features"]) == 2


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_gdal_reads_each_layer_through_wfs_and_oapif(server: ServerProcess, layer_id: str) -> None:
    expected = FIXTURE_COUNTS[layer_id]
    wfs = pyogrio.read_dataframe(
        f"WFS:{server.base_url}/wfs?SERVICE=WFS&VERSION=2.0.0", layer=f"siep:{layer_id}"
    )
    oapif = pyogrio.read_dataframe(f"OAPIF:{server.base_url}/ogc", layer=layer_id)
    assert len(wfs) == len(oapif) == expected
    if expected:
        by_code_wfs = wfs.set_index("code")
        by_code_oapif = oapif.set_index("code")
        assert sorted(by_code_wfs.index) == sorted(by_code_oapif.index)
        # Same coordinates (lon/lat) whatever the protocol's axis order on the wire.
        for code in by_code_wfs.index:
            a = by_code_wfs.loc[code, "geometry"].centroid
            b = by_code_oapif.loc[code, "geometry"].centroid
            assert abs(a.x - b.x) < 1e-6 and abs(a.y - b.y) < 1e-6
            assert -82 < a.x < -68 and -19 < a.y < 1


def test_figures_are_the_api_figures(server: ServerProcess) -> None:
    api = _api_values(server.base_url, "population", "departamento", "2024-12")
    df = pyogrio.read_dataframe(
        f"WFS:{server.base_url}/wfs?SERVICE=WFS&VERSION=2.0.0", layer="siep:departamentos"
    )
    for row in df.itertuples():
        assert row.population == api[row.code]
        assert row.population_period == "2024-12"


def test_owslib_ogcapi_features(server: ServerProcess) -> None:
    api = Features(f"{server.base_url}/ogc")
    ids = [c["id"] for c in api.collections()["collections"]]
    assert sorted(ids) == sorted(LAYER_IDS)
    items = api.collection_items("establecimientos_penitenciarios", limit=1)
    assert items["numberMatched"] == 2 and len(items["features"]) == 1
    assert any(link["rel"] == "next" for link in items["links"])
    item = api.collection_item("establecimientos_penitenciarios", "EP-LURIGANCHO")
    assert item["properties"]["population"] == 9000
    assert item["properties"]["series_url"].endswith("place=EP-LURIGANCHO")
    queryables = api.collection_queryables("departamentos")
    assert "population" in queryables["properties"]


def test_landing_page_is_json_for_gis_clients(server: ServerProcess) -> None:
    r = httpx.get(f"{server.base_url}/ogc", headers={"Accept": "application/json"})
    assert r.status_code == 200
    desc = next(link for link in r.json()["links"] if link["rel"] == "service-desc")
    openapi = httpx.get(desc["href"])
    assert openapi.status_code == 200 and "json" in openapi.headers["content-type"]
    limit = openapi.json()["components"]["parameters"]["limit"]["schema"]
    assert limit["maximum"] >= limit["default"] >= 10
    assert httpx.get(f"{server.base_url}/ogc", headers={"Accept": "*/*"}).json()["links"]
    assert "<html" in httpx.get(f"{server.base_url}/ogc/?f=html").text


def test_ogcapi_maps_draws_the_choropleth(server: ServerProcess) -> None:
    r = httpx.get(
        f"{server.base_url}/ogc/collections/departamentos/map",
        params={"bbox": "-80,-14,-75,-10", "width": "500", "height": "400", "f": "png"},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content)).convert("RGBA")
    assert image.getpixel((300, 200))[3] == 255  # lon -77, lat -12 (Lima)
    assert image.getpixel((450, 50))[3] == 0
    too_big = httpx.get(
        f"{server.base_url}/ogc/collections/departamentos/map", params={"width": "99999"}
    )
    assert too_big.status_code == 400
