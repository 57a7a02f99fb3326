"""Issue 13's table of hostile requests, each against the whole app: a clear 4xx (an OGC
exception on WMS/WFS, OGC API JSON on /ogc), or the right empty answer, never a 500."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.render.pool import WorkerPool
from tests.fuzz.conftest import TOKEN
from tests.resilience.serve import wait_for

WMS = "/wms?SERVICE=WMS&VERSION=1.3.0&STYLES=&WIDTH=256&HEIGHT=256&FORMAT=image/png"
LAYER = "departamentos"
MAP_ANY = f"{WMS}&REQUEST=GetMap&CRS=EPSG:4326"
MAP = f"{MAP_ANY}&LAYERS={LAYER}"
INFO = (
    f"{WMS}&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&CRS=EPSG:4326"
    "&BBOX=-20,-80,0,-68&INFO_FORMAT=application/json"
)
WFS = f"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES={LAYER}"
ITEMS = f"/ogc/collections/{LAYER}/items"


def test_observations_range_after_every_period_is_empty_not_500(client: TestClient) -> None:
    response = client.get("/api/v1/observations?indicator=population&from=2099&to=2099")
    assert response.status_code == 200
    assert response.json()["observations"] == []
    assert response.json()["number_matched"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "bbox=nan,nan,nan,nan",
        "bbox=-inf,-10,inf,10",
        "bbox=-1e308,-1e308,1e308,1e308",
        "bbox=-80,-20,-70,1e999",
        "bbox=1_0,0,20,5",
    ],
)
def test_non_finite_bbox_in_json_api_is_400(client: TestClient, query: str) -> None:
    response = client.get(f"/api/v1/establishments?{query}")
    assert response.status_code == 400
    assert "bbox" in response.json()["detail"]


@pytest.mark.parametrize("breaks", ["nan,5", "1,inf", "1e309"])
def test_non_finite_breaks_are_400(client: TestClient, breaks: str) -> None:
    response = client.get(
        f"/api/v1/choropleth?indicator=population&level=departamento&breaks={breaks}"
    )
    assert response.status_code == 400
    assert "breaks" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "locator"),
    [
        (f"{MAP}&BBOX=-1e308,-1e308,1e308,1e308", "BBOX"),
        (f"{MAP}&BBOX=nan,nan,nan,nan", "BBOX"),
        (f"{INFO}&I=inf&J=5", "I"),
        (f"{INFO}&I=5&J=-inf", "J"),
        (f"{INFO}&I=1e400&J=5", "I"),
        (f"{WFS}&BBOX=nan,nan,nan,nan", "bbox"),
        (f"{WFS}&BBOX=-1e308,-1e308,1e308,1e308", "bbox"),
        (f"{MAP_ANY}&BBOX=-20,-80,0,-68&LAYERS=" + ",".join([LAYER] * 33), "LAYERS"),
    ],
)
def test_hostile_ogc_numbers_get_an_exception_report(
    client: TestClient, url: str, locator: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "ExceptionReport" in response.text
    assert f'locator="{locator}"' in response.text


def test_the_issues_700_layer_getmap_is_refused_by_the_url_bound(client: TestClient) -> None:
    response = client.get(f"{MAP_ANY}&BBOX=-20,-80,0,-68&LAYERS=" + ",".join([LAYER] * 700))
    assert response.status_code == 414


def test_layers_within_the_limit_still_draw(client: TestClient) -> None:
    response = client.get(f"{MAP_ANY}&BBOX=-20,-80,0,-68&LAYERS=" + ",".join([LAYER] * 3))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "query",
    [
        "bbox=NaN,NaN,NaN,NaN",
        "bbox=-1e308,-1e308,1e308,1e308",
        "datetime=2024-13-45",
        "datetime=2024-01-01/2023-01-01",
        "skipGeometry=maybe",
    ],
)
def test_ogc_api_items_reject_malformed_values(client: TestClient, query: str) -> None:
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


@pytest.mark.parametrize(
    "query", ["datetime=2024-06-30", "datetime=../2024-06-30T00:00:00Z", "skipGeometry=true"]
)
def test_ogc_api_items_accept_well_formed_values(client: TestClient, query: str) -> None:
    assert client.get(f"{ITEMS}?{query}").status_code == 200


def test_upper_case_filter_key_is_handled(client: TestClient) -> None:
    cql = '{"op":"=","args":[{"property":"code"},"15"]}'
    response = client.get(ITEMS, params={"FILTER": cql, "filter-lang": "cql2-json"})
    assert response.status_code == 200
    assert [f["id"] for f in response.json()["features"]] == ["15"]
    assert client.get(ITEMS, params={"FILTER": "{}", "filter-lang": "cql2-json"}).status_code == 400


def _get_paths(app: FastAPI) -> list[str]:
    """Every parameterless GET route (from the routes, through the OpenAPI document)."""
    paths = app.openapi()["paths"]
    return [
        path
        for path, operations in paths.items()
        if "get" in operations and "{" not in path and not path.startswith("/api/v1/admin")
    ]


def test_head_answers_like_get_on_every_get_route(app: FastAPI, client: TestClient) -> None:
    paths = _get_paths(app) + [
        "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
        "/wfs?SERVICE=WFS&REQUEST=GetCapabilities",
        "/ogc/collections",
    ]
    assert "/health" in paths and "/api/v1/indicators" in paths
    for path in paths:
        head = client.head(path)
        get = client.get(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


def test_head_on_admin_route_needs_the_token_like_get(client: TestClient) -> None:
    assert client.head("/api/v1/admin/datasets").status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.head("/api/v1/admin/datasets", headers=auth).status_code == 200


@pytest.mark.parametrize("token", [f" {TOKEN}", f"{TOKEN} ", f"{TOKEN}\t"])
def test_admin_token_must_match_exactly(client: TestClient, token: str) -> None:
    response = client.get("/api/v1/admin/datasets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("ok.csv", "..\\..\\evil"),
        ("../../evil.csv", "../../evil"),
        ("ok.csv", "a b"),
        ("ok.csv", ".hidden"),
        ("ok.csv", "x" * 129),
    ],
)
def test_dataset_names_must_be_a_safe_slug(client: TestClient, filename: str, name: str) -> None:
    data = {"title": "hostile", "name": name}
    response = client.post(
        "/api/v1/admin/datasets",
        headers={"Authorization": f"Bearer {TOKEN}"},
        files={"file": (filename, b"indicator,place_type,place_code,period,value\n", "text/csv")},
        data=data,
    )
    assert response.status_code == 400
    assert "dataset name" in response.json()["detail"]


def test_request_line_and_header_bounds(client: TestClient) -> None:
    long_url = client.get("/api/v1/indicators?x=" + "a" * 9000)
    assert long_url.status_code == 414
    many = {f"x-h{i}": "v" for i in range(120)}
    assert client.get("/health", headers=many).status_code == 431
    assert client.get("/health", headers={"x-big": "v" * 40_000}).status_code == 431
    assert client.get("/health", headers={"x-big": "v" * 1000}).status_code == 200


def test_every_answer_has_a_request_id_and_keeps_a_safe_given_one(client: TestClient) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == (
        "abc-1"
    )
    hostile = client.get("/health", headers={"X-Request-ID": "a<b c"})
    assert hostile.headers["x-request-id"] != "a<b c"


def test_pygeoapi_logging_setting_leaves_our_loggers_alone(app: FastAPI) -> None:
    assert logging.getLogger().level != logging.CRITICAL
    assert logging.getLogger("app").getEffectiveLevel() < logging.CRITICAL


def test_reports_beyond_the_slots_get_503_and_light_requests_pass(
    app: FastAPI, client: TestClient
) -> None:
    original = app.state.report_pool
    app.state.report_pool = WorkerPool("building reports", size=1, timeout_s=30, wait_s=0.2)
    other = threading.Thread(target=app.state.report_pool.call, args=(time.sleep, 4))
    try:
        other.start()  # another report is being built
        wait_for(lambda: app.state.report_pool.worker_pids() != [])
        busy = client.get("/api/v1/choropleth?indicator=population&level=departamento&f=pdf")
        light = client.get("/api/v1/choropleth?indicator=population&level=departamento")
        other.join()
        done = client.get("/api/v1/choropleth?indicator=population&level=departamento&f=pdf")
    finally:
        app.state.report_pool.close()
        app.state.report_pool = original
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "5"
    assert "busy building reports" in busy.json()["detail"]
    assert light.status_code == 200
    assert done.status_code == 200
    assert done.content.startswith(b"%PDF")
