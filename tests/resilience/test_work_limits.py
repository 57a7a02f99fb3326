"""Render and report time limits through HTTP (issue 13): a map or a report that outlives its
limit is stopped in its worker process and answered 503 with a clear message (an OGC exception
on /wms), and the next request is served by a fresh worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.resilience.serve import seeded_var_dir

GETMAP = (
    "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=departamentos&STYLES="
    "&CRS=EPSG:4326&BBOX=-18,-81,0,-68&WIDTH=256&HEIGHT=256&FORMAT=image/png"
)
REPORT = "/api/v1/choropleth?indicator=population&level=departamento&f=pdf"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Limits no real map or report can meet: every heavy job times out.
    var_dir = seeded_var_dir(tmp_path_factory.mktemp("limits") / "var")
    settings = Settings(
        database_url="",
        var_dir=var_dir,
        seed_on_start=False,
        render_timeout_s=1e-6,
        report_timeout_s=1e-6,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_map_beyond_the_render_limit_is_an_ogc_exception_503(client: TestClient) -> None:
    for _ in range(2):  # the second one runs on the replaced worker
        response = client.get(GETMAP)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert b"ServiceException" in response.content
        assert b"drawing maps took longer than 1e-06 s" in response.content


def test_a_report_beyond_the_build_limit_is_a_503(client: TestClient) -> None:
    response = client.get(REPORT)
    assert response.status_code == 503
    assert "building reports took longer than 1e-06 s" in response.json()["detail"]
    assert client.get("/health").status_code == 200


def test_light_requests_do_not_use_the_workers(client: TestClient) -> None:
    assert client.get(REPORT.replace("&f=pdf", "")).status_code == 200
    assert client.get(REPORT.replace("&f=pdf", "&f=csv")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/collections/departamentos/map",
        "/ogc/collections/departamentos/map/tiles/WebMercatorQuad/5/16/9",
    ],
    ids=["ogc-api-map", "raster-tile"],
)
def test_other_map_routes_answer_503_beyond_the_render_limit(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503
    assert "drawing maps took longer than 1e-06 s" in response.text
