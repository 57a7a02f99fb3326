"""Clients for the /api/v1 tests: one over the shipped dataset (module-wide, read-only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture(scope="module")
def shipped_client(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=shipped_store_url,
        var_dir=tmp_path_factory.mktemp("var"),
        seed_on_start=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client
