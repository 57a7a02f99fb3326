from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings


def test_health_reports_backend_version_and_counts(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings(database_url=store_url))
    with TestClient(app) as client:
        body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["backend"] in {"sqlite", "postgis"}
    assert body["data_version"] >= 1
    assert body["counts"]["establishments_ep"] == 2
