"""Shared fixtures: stores on both backends (SQLite file and a throwaway PostGIS), apps, servers."""

from __future__ import annotations

import itertools
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from tests.support.catalogs import SmallCatalogs
from tests.support.pgcluster import Cluster, ClusterUnavailableError, start_cluster
from tests.support.server import ServerProcess, SharedServers

pytest_plugins = ["tests.support.browser"]

FIXTURE_DATA = PROJECT_ROOT / "tests" / "fixtures" / "geodata"
SHIPPED_DATA = PROJECT_ROOT / "geodata"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    """The throwaway PostGIS cluster, or None (tests skip loudly) when it cannot be had."""
    if os.environ.get("SIEP_SKIP_POSTGIS") == "1":
        yield None
        return
    try:
        cluster = start_cluster()
    except (ClusterUnavailableError, OSError, Exception) as exc:  # noqa: BLE001
        if os.environ.get("SIEP_REQUIRE_POSTGIS") == "1":
            pytest.exit(f"SIEP_REQUIRE_POSTGIS=1 but PostGIS could not start: {exc}", 3)
        message = f"\n*** PostGIS UNAVAILABLE: PostGIS tests will be SKIPPED ({exc}) ***\n"
        sys.stderr.write(message)
        warnings.warn(message, stacklevel=1)
        yield None
        return
    yield cluster
    cluster.destroy()


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Factory: make_store('sqlite' | 'postgis') -> URL of a new, empty, migrated store."""
    created: list[tuple[Cluster, str]] = []

    def factory(backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'store{next(_counter)}.sqlite'}"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            if cluster is None:
                pytest.skip("PostGIS unavailable (set SIEP_REQUIRE_POSTGIS=1 to fail instead)")
            name = f"siep_test_{os.getpid()}_{next(_counter)}"
            url = cluster.create_database(name, template="siep_template")
            created.append((cluster, name))
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url

    yield factory
    for cluster, name in created:
        cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgis":
        request.applymarker(pytest.mark.postgis)
    return str(request.param)


@pytest.fixture
def store_url(make_store: Callable[[str], str], backend: str) -> str:
    return make_store(backend)


def seeded_store(url: str, data: Path = FIXTURE_DATA) -> str:
    """Migrate the (empty) store at `url`, seed `data` into it and return `url`."""
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, data, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    return url


def fixture_sqlite_store(folder: Path) -> str:
    """The URL of a new embedded store in `folder` holding the small fixture dataset."""
    return seeded_store(f"sqlite:///{folder / 'siep.sqlite'}")


@pytest.fixture
def seeded_engine(store_url: str) -> Iterator[Engine]:
    """A store on each backend holding the small fixture dataset."""
    engine = make_engine(store_url)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    yield engine
    engine.dispose()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {"var_dir": tmp_path / "var", "catalog_poll_s": 0.2}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return factory


@pytest.fixture(scope="session")
def shipped_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An embedded store holding the whole shipped dataset (geodata/), built once per session."""
    if not (SHIPPED_DATA / "datasets.yaml").exists():
        pytest.skip("geodata/ is not built yet")
    path = tmp_path_factory.mktemp("shipped") / "siep.sqlite"
    return seeded_store(f"sqlite:///{path}", SHIPPED_DATA)


@pytest.fixture(scope="module")
def shipped_client(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A TestClient over the shipped dataset (module-wide, read-only)."""
    settings = Settings(
        database_url=shipped_store_url,
        var_dir=tmp_path_factory.mktemp("var"),
        seed_on_start=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def small_catalogs(tmp_path_factory: pytest.TempPathFactory) -> SmallCatalogs:
    """Factory of small catalogs built from a few rows (tests/support/catalogs.py)."""
    return SmallCatalogs(tmp_path_factory.mktemp("small_catalogs"))


@pytest.fixture(scope="session")
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServers]:
    """Server processes over read-only stores, shared by every module that asks for the same
    store and settings (tests/support/server.py)."""
    servers = SharedServers(lambda: tmp_path_factory.mktemp("server"))
    yield servers
    servers.stop_all()


@pytest.fixture(scope="session")
def fixture_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An embedded store holding the small fixture dataset, built once per session (read-only:
    a test that writes makes its own store)."""
    return fixture_sqlite_store(tmp_path_factory.mktemp("fixture-sqlite"))


@pytest.fixture(scope="session")
def fixture_postgis_url(pg_cluster: Cluster | None) -> Iterator[str]:
    """A PostGIS database holding the small fixture dataset, built once per session (read-only)."""
    if pg_cluster is None:
        pytest.skip("PostGIS unavailable")
    name = f"siep_fixture_{os.getpid()}"
    yield seeded_store(pg_cluster.create_database(name, template="siep_template"))
    pg_cluster.drop_database(name)


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def fixture_store(request: pytest.FixtureRequest) -> str:
    """The small fixture dataset on each backend (one store per backend for the session)."""
    if request.param == "postgis":
        request.applymarker(pytest.mark.postgis)
    return str(request.getfixturevalue(f"fixture_{request.param}_url"))


@pytest.fixture(scope="module")
def server(fixture_store: str, shared_servers: SharedServers) -> ServerProcess:
    """A real server (uvicorn) over `fixture_store`, shared with every other module on it."""
    return shared_servers.get({"SIEP_DATABASE_URL": fixture_store})


@pytest.fixture(scope="session")
def shipped_server(shipped_store_url: str, shared_servers: SharedServers) -> ServerProcess:
    """A real server over the shipped dataset (OSM tiles off, as by default), shared by the
    OGC, tile and viewer tests."""
    env = {
        "SIEP_DATABASE_URL": shipped_store_url,
        "SIEP_SEED_ON_START": "false",
        "SIEP_VIEWER_OSM_TILES": "false",
    }
    return shared_servers.get(env)
