"""OGC test fixtures: a real server (uvicorn) per store: fixture data on SQLite and PostGIS, and
the shipped dataset."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from tests.conftest import FIXTURE_DATA
from tests.support.server import ServerProcess, start_server


def _seeded_sqlite(folder: Path) -> str:
    url = f"sqlite:///{folder / 'ogc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def fixture_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The tiny fixture dataset on each backend."""
    if request.param == "sqlite":
        yield _seeded_sqlite(tmp_path_factory.mktemp("ogcstore"))
        return
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip("PostGIS unavailable")
    name = f"siep_ogc_{os.getpid()}_{id(request)}"
    url = cluster.create_database(name, template="siep_template")
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    yield url
    cluster.drop_database(name)


def _serve(url: str, tmp: Path) -> ServerProcess:
    return start_server({"SIEP_DATABASE_URL": url, "SIEP_VAR_DIR": str(tmp / "var")}, tmp / "logs")


@pytest.fixture(scope="module")
def server(fixture_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = _serve(fixture_store, tmp_path_factory.mktemp("ogcserver"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def shipped_server(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    process = _serve(shipped_store_url, tmp_path_factory.mktemp("ogcshipped"))
    yield process
    process.stop()
