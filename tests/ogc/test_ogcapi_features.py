"""OGC API Features: per-collection extents, honest conformance, and each declared class works."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.layers import default_layers

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"


@pytest.fixture
def client(shipped_client: TestClient) -> TestClient:
    return shipped_client


def _conformance(client: TestClient) -> set[str]:
    response = client.get("/ogc/conformance", params={"f": "json"})
    assert response.status_code == 200
    return set(response.json()["conformsTo"])


@pytest.mark.parametrize("layer_id", default_layers().ids())
def test_each_collection_reports_the_extent_of_its_own_features(
    client: TestClient, layer_id: str
) -> None:
    collection = client.get(f"/ogc/collections/{layer_id}", params={"f": "json"}).json()
    ((minx, miny, maxx, maxy),) = collection["extent"]["spatial"]["bbox"]
    items = client.get(f"/ogc/collections/{layer_id}/items", params={"limit": 2000}).json()
    bounds = [shape(f["geometry"]).bounds for f in items["features"] if f["geometry"]]
    assert bounds
    assert minx == pytest.approx(min(b[0] for b in bounds), abs=1e-6)
    assert miny == pytest.approx(min(b[1] for b in bounds), abs=1e-6)
    assert maxx == pytest.approx(max(b[2] for b in bounds), abs=1e-6)
    assert maxy == pytest.approx(max(b[3] for b in bounds), abs=1e-6)


def test_temporal_extent_spans_the_periods_with_data(client: TestClient) -> None:
    collection = client.get("/ogc/collections/departamentos", params={"f": "json"}).json()
    ((begin, end),) = collection["extent"]["temporal"]["interval"]
    assert begin <= "2024-12-01T00:00:00Z" < end


def test_conformance_declares_no_crud_and_every_query_class(client: TestClient) -> None:
    classes = _conformance(client)
    assert not [c for c in classes if "ogcapi-features-4" in c or "create-replace" in c]
    for suffix in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-3/1.0/conf/queryables",
        "ogcapi-features-3/1.0/conf/filter",
        "ogcapi-features-3/1.0/conf/features-filter",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/cql2-json",
        "ogcapi-records-1/1.0/conf/sorting",
    ):
        assert any(c.endswith(suffix) for c in classes), suffix


def test_writes_are_refused(client: TestClient) -> None:
    items = "/ogc/collections/departamentos/items"
    created = client.post(
        items, content=b'{"type":"Feature"}', headers={"Content-Type": "application/geo+json"}
    )
    assert created.status_code == 400
    assert "read-only" in created.json()["description"]
    assert client.delete(f"{items}/15").status_code == 405
    assert client.put(f"{items}/15", content=b"{}").status_code == 405


def test_queryables_list_the_layer_fields(client: TestClient) -> None:
    response = client.get("/ogc/collections/provincias/queryables", params={"f": "json"})
    assert response.status_code == 200
    properties = response.json()["properties"]
    assert {"code", "name", "population", "departamento"} <= set(properties)


def test_filter_sortby_and_crs_work_as_declared(client: TestClient) -> None:
    items = "/ogc/collections/departamentos/items"
    filtered = client.get(
        items, params={"filter": "population > 5000", "filter-lang": "cql2-text", "limit": 50}
    ).json()
    assert filtered["features"]
    assert all(f["properties"]["population"] > 5000 for f in filtered["features"])
    spatial = client.get(
        items, params={"filter": "S_INTERSECTS(geometry,POINT(-77.03 -12.05))", "limit": 5}
    ).json()
    assert [f["id"] for f in spatial["features"]] == ["15"]
    as_json = client.get(
        items,
        params={
            "filter-lang": "cql2-json",
            "filter": '{"op":"s_intersects","args":[{"property":"geometry"},'
            '{"bbox":[-77.1,-12.1,-77.0,-12.0]}]}',
        },
    ).json()
    assert "15" in [f["id"] for f in as_json["features"]]
    ordered = client.get(items, params={"sortby": "-population", "limit": 3}).json()
    values = [f["properties"]["population"] for f in ordered["features"]]
    assert values == sorted(values, reverse=True)
    lat_lon = client.get(f"{items}/15", params={"crs": EPSG4326})
    assert lat_lon.headers["content-crs"] == f"<{EPSG4326}>"
    x, y = shape(lat_lon.json()["geometry"]).representative_point().coords[0]
    assert -19 < x < 0 and -82 < y < -68  # latitude first


@pytest.mark.parametrize("fmt", ["json", "jsonld", "html"])
def test_landing_page_answers_in_every_format(client: TestClient, fmt: str) -> None:
    """The JSON-LD landing page has no `links` list (a KeyError made it a 500)."""
    response = client.get("/ogc", params={"f": fmt})
    assert response.status_code == 200, response.text[:300]
    if fmt == "json":
        rels = {link["rel"] for link in response.json()["links"]}
        assert "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes" in rels
