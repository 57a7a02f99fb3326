"""Process-wide guards: body size limit, CORS for reads only, baseline security headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from tests.conftest import FIXTURE_DATA


@pytest.fixture
def client(make_store: Callable[[str], str], make_settings: Callable[..., Settings]):
    url = make_store("sqlite")
    seed(make_engine(url), FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    settings = make_settings(
        database_url=url, admin_token="t" * 20, max_body_bytes=4096, upload_max_bytes=4096
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_oversized_body_gets_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/datasets",
        files={"file": ("big.csv", b"x" * 10_000, "text/csv")},
        data={"title": "big"},
        headers={"Authorization": "Bearer " + "t" * 20},
    )
    assert response.status_code == 413
    assert "larger than 4096" in response.json()["detail"]


def test_cors_allows_reads_not_writes(client: TestClient) -> None:
    read = client.get("/health", headers={"Origin": "https://example.org"})
    assert read.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/api/v1/admin/datasets",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "POST" not in preflight.headers.get("access-control-allow-methods", "")


def test_security_headers_on_every_response(client: TestClient) -> None:
    response = client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/no/such/page").headers["x-content-type-options"] == "nosniff"
