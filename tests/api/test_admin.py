"""Authenticated writes over HTTP: load, list, withdraw; disabled without a token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from tests.support.checksum import store_checksum

TOKEN = "s3cret-token-for-tests"
CSV = (
    "indicator,place_type,place_code,period,value,source_locator\n"
    "population,establishment,EP-CALLAO,2025-03,3210,p. 2\n"
)


@pytest.fixture
def client(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> TestClient:
    app = create_app(make_settings(database_url=store_url, admin_token=TOKEN))
    with TestClient(app) as test_client:
        yield test_client


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, content: str, headers: dict[str, str], **form: str):
    return client.post(
        "/api/v1/admin/datasets",
        files={"file": ("marzo.csv", content.encode(), "text/csv")},
        data={"title": "Población marzo 2025", **form},
        headers=headers,
    )


def test_load_over_http_is_served_at_once(client: TestClient) -> None:
    before = client.get("/health").json()["data_version"]
    response = upload(client, CSV, auth())
    assert response.status_code == 201, response.text
    assert response.json()["row_count"] == 1
    assert client.get("/health").json()["data_version"] == before + 1
    history = client.get("/api/v1/admin/datasets", headers=auth()).json()
    assert history[-1]["name"] == "marzo"
    assert history[-1]["loaded_by"].startswith("api@")
    assert len(history[-1]["checksum_sha256"]) == 64


def test_wrong_or_missing_token_is_refused(client: TestClient) -> None:
    assert upload(client, CSV, {}).status_code == 401
    assert upload(client, CSV, auth("nope")).status_code == 401
    assert client.get("/api/v1/admin/datasets").status_code == 401


def test_bad_file_over_http_names_row_and_changes_nothing(
    client: TestClient, seeded_engine: Engine
) -> None:
    before = store_checksum(seeded_engine)
    bad = CSV + "population,establishment,EP-NOWHERE,2025-03,1,p. 2\n"
    response = upload(client, bad, auth())
    assert response.status_code == 422
    assert "row 3" in response.json()["detail"]
    assert "place_code" in response.json()["detail"]
    assert store_checksum(seeded_engine) == before


def test_withdraw_stops_serving(client: TestClient) -> None:
    upload(client, CSV, auth())
    response = client.delete("/api/v1/admin/datasets/marzo", headers=auth())
    assert response.status_code == 200
    history = client.get("/api/v1/admin/datasets", headers=auth()).json()
    assert history[-1]["is_withdrawn"] is True
    assert client.delete("/api/v1/admin/datasets/nada", headers=auth()).status_code == 404


def test_writes_disabled_without_configured_token(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings(database_url=store_url, admin_token=None))
    with TestClient(app) as client:
        response = upload(client, CSV, auth())
    assert response.status_code == 403
    assert "disabled" in response.json()["detail"]
