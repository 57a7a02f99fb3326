"""Under load and faults: concurrent clients, a PostGIS restart, a load failing half-way.

Loopback only, bounded in time. CI runs the short profile; the full one (60 s) is
`SIEP_LOAD_SECONDS=60 make test PYTEST_ARGS=tests/resilience`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from app.errors import LoadError
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, load_dataset
from app.store.ingest.seed import seed
from tests.conftest import SHIPPED_DATA
from tests.support.browser import run_async
from tests.support.pgcluster import Cluster
from tests.support.server import start_server

LOAD_SECONDS = float(os.environ.get("SIEP_LOAD_SECONDS", "8"))
CLIENTS = 50
MIX = [
    # Not /health: while PostGIS restarts it rightly answers 503 "degraded" (issue 13).
    "/api/v1/indicators",
    "/api/v1/choropleth?indicator=population&level=departamento&period=2024-12",
    "/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024",
    "/api/v1/establishments",
    "/ogc/collections",
    "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
]

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def shipped_postgis(pg_cluster: Cluster | None) -> Iterator[tuple[Cluster, str, Engine]]:
    """The shipped dataset on PostGIS, seeded once for both tests (each compares the store with
    itself before and after its fault, so a dataset the first one adds changes nothing)."""
    if pg_cluster is None:
        pytest.skip("PostGIS unavailable")
    name = f"siep_resilience_{os.getpid()}_{time.monotonic_ns()}"
    url = pg_cluster.create_database(name, template="siep_template")
    engine = make_engine(url)
    from app.store.migrate import upgrade

    upgrade(engine)
    seed(engine, SHIPPED_DATA, indicator_rows(CORE_REGISTRY))
    yield pg_cluster, url, engine
    engine.dispose()
    pg_cluster.drop_database(name)


async def _hammer(base_url: str, seconds: float, paths: list[str]) -> tuple[Counter, list[float]]:
    statuses: Counter = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def worker(offset: int) -> None:
            i = offset
            while time.monotonic() < deadline:
                path = paths[i % len(paths)]
                i += 1
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                    statuses[response.status_code] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - start)

        await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
    return statuses, latencies


def _served_paths(base_url: str) -> list[str]:
    """The mix, minus services this build does not mount (404 before any load)."""
    return [p for p in MIX if httpx.get(base_url + p, timeout=30).status_code != 404]


def test_concurrent_clients_survive_a_postgis_restart(
    shipped_postgis: tuple[Cluster, str, Engine], tmp_path: Path
) -> None:
    cluster, url, engine = shipped_postgis
    server = start_server({"SIEP_DATABASE_URL": url, "SIEP_CATALOG_POLL_S": "0.5"}, tmp_path)
    try:
        paths = _served_paths(server.base_url)
        restart = threading.Timer(LOAD_SECONDS / 3, cluster.restart)
        restart.start()
        statuses, latencies = run_async(_hammer(server.base_url, LOAD_SECONDS, paths))
        restart.join()
        errors = {k: v for k, v in statuses.items() if k != 200}
        assert not errors, f"{errors} in {sum(statuses.values())} requests"
        assert sum(statuses.values()) > CLIENTS
        p50 = statistics.median(latencies) * 1000
        p99 = sorted(latencies)[int(len(latencies) * 0.99)] * 1000
        print(
            f"\n{sum(statuses.values())} requests in {LOAD_SECONDS:.0f}s, "
            f"{len(paths)} endpoints, p50 {p50:.1f} ms, p99 {p99:.1f} ms, no errors"
        )
        # After the restart the server picks the store up again by itself: a new load shows.
        csv = (
            "indicator,place_type,place_code,period,value,source_locator\n"
            "population,national,PE,2031-01,1,test\n"
        )
        result = load_dataset(engine, csv.encode(), "x.csv", DatasetMeta("after-restart", "t"))
        deadline = time.monotonic() + 15
        health = {}
        while time.monotonic() < deadline:
            health = httpx.get(f"{server.base_url}/health").json()
            if health["data_version"] == result.data_version:
                break
            time.sleep(0.3)
        assert health["data_version"] == result.data_version
        assert health["store_reachable"] is True
    finally:
        server.stop()


def test_load_failing_half_way_leaves_both_replicas_on_old_version(
    shipped_postgis: tuple[Cluster, str, Engine], tmp_path: Path
) -> None:
    _, url, engine = shipped_postgis
    env = {"SIEP_DATABASE_URL": url, "SIEP_CATALOG_POLL_S": "0.3"}
    servers = [start_server(env, tmp_path) for _ in range(2)]
    try:
        before = [httpx.get(f"{s.base_url}/health").json() for s in servers]
        rows = "".join(
            f"population,national,PE,{2030 - i % 10}-{1 + i % 12:02d},{i},test\n"
            for i in range(5000)
        )
        bad = (
            "indicator,place_type,place_code,period,value,source_locator\n"
            + rows
            + "population,national,PE,2030-01,oops,test\n"
        )
        with pytest.raises(LoadError, match="row"):
            load_dataset(engine, bad.encode(), "half.csv", DatasetMeta("half", "half"))
        time.sleep(1.5)
        after = [httpx.get(f"{s.base_url}/health").json() for s in servers]
        assert [h["data_version"] for h in after] == [h["data_version"] for h in before]
        assert [h["counts"] for h in after] == [h["counts"] for h in before]
    finally:
        for server in servers:
            server.stop()
