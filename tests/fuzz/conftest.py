"""The whole app in process over the fixture data (SQLite), writes enabled (admin token)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from tests.conftest import FIXTURE_DATA

TOKEN = "fuzz-token-" + "x" * 20


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The whole app over the fixture data (SQLite), with writes enabled to fuzz uploads."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzzstore') / 'siep.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    engine.dispose()
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
