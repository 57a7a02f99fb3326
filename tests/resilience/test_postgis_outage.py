"""PostGIS stopped and started again under a running server (issue 13): while it is down
/health answers 503 "degraded", a write is refused with 503 (nothing acknowledged), reads are
served from the last snapshot; once it is back the server recovers by itself, keeps every load
it acknowledged before, and accepts writes again."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import seeded_store
from tests.resilience.serve import TOKEN, wait_for
from tests.support.pgcluster import Cluster
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.postgis
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CSV = (
    "indicator,place_type,place_code,period,value,source_locator\n"
    "population,establishment,EP-CALLAO,{period},3001,p. 1\n"
)


@pytest.fixture
def served(pg_cluster: Cluster | None, tmp_path: Path) -> Iterator[tuple[Cluster, ServerProcess]]:
    if pg_cluster is None:
        pytest.skip("PostGIS unavailable")
    name = f"siep_outage_{os.getpid()}_{time.monotonic_ns()}"
    url = seeded_store(pg_cluster.create_database(name, template="siep_template"))
    env = {
        "SIEP_DATABASE_URL": url,
        "SIEP_CATALOG_POLL_S": "0.3",
        "SIEP_ADMIN_TOKEN": TOKEN,
        "SIEP_VAR_DIR": str(tmp_path / "var"),
    }
    server = start_server(env, tmp_path)
    try:
        yield pg_cluster, server
    finally:
        server.stop()
        with contextlib.suppress(subprocess.CalledProcessError):  # already running
            pg_cluster.start()  # a failed test must not leave it down for the others
        pg_cluster.drop_database(name)


def _load(server: ServerProcess, name: str, period: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/admin/datasets",
        headers=AUTH,
        files={"file": (f"{name}.csv", CSV.format(period=period).encode(), "text/csv")},
        data={"title": f"Carga {name}", "name": name},
        timeout=60,
    )


def _names(server: ServerProcess) -> list[str]:
    response = httpx.get(f"{server.base_url}/api/v1/admin/datasets", headers=AUTH, timeout=60)
    return [d["name"] for d in response.json()]


def _health(server: ServerProcess) -> httpx.Response:
    return httpx.get(f"{server.base_url}/health", timeout=60)


def test_postgis_down_degrades_refuses_writes_then_recovers_losing_nothing(
    served: tuple[Cluster, ServerProcess],
) -> None:
    cluster, server = served
    assert _load(server, "before", "2025-01").status_code == 201
    # The first read after a load builds the new snapshot (seconds on a busy machine).
    indicators = httpx.get(f"{server.base_url}/api/v1/indicators", timeout=60).json()
    cluster.stop()
    try:
        wait_for(lambda: _health(server).status_code == 503, timeout_s=20)
        assert _health(server).json()["status"] == "degraded"
        refused = _load(server, "while_down", "2025-02")
        assert refused.status_code == 503
        read = httpx.get(f"{server.base_url}/api/v1/indicators", timeout=60)
        assert read.status_code == 200
        assert read.json() == indicators
    finally:
        cluster.start()
    wait_for(lambda: _health(server).status_code == 200, timeout_s=30)
    names = _names(server)
    assert "before" in names
    assert "while_down" not in names
    assert _load(server, "after", "2025-03").status_code == 201
    assert {"before", "after"} <= set(_names(server))
