"""The whole app in process over the fixture data (SQLite), writes enabled (admin token)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import fixture_sqlite_store

TOKEN = "fuzz-token-" + "x" * 20


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The whole app over the fixture data (SQLite), with writes enabled to fuzz uploads."""
    url = fixture_sqlite_store(tmp_path_factory.mktemp("fuzzstore"))
    settings = Settings(
        database_url=url,
        var_dir=tmp_path_factory.mktemp("fuzzvar"),
        seed_on_start=False,
        admin_token=TOKEN,
    )
    application = create_app(settings)
    with TestClient(application):  # runs the lifespan: catalog loaded
        yield application


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    """A client on the running app (no second lifespan); server errors come back as 500s."""
    return TestClient(app, raise_server_exceptions=False)
