"""Two server processes on one store both serve a new load within seconds, without restart."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import Engine

from app.store.ingest.datasets import DatasetMeta, load_dataset
from tests.support.server import start_server

ROW = (
    "indicator,place_type,place_code,period,value,source_locator\n"
    "population,establishment,EP-CALLAO,2025-02,3111,p. 1\n"
)


def test_two_processes_converge_after_a_load(
    seeded_engine: Engine, store_url: str, tmp_path: Path
) -> None:
    env = {"SIEP_DATABASE_URL": store_url, "SIEP_CATALOG_POLL_S": "0.5"}
    servers = [start_server(env, tmp_path) for _ in range(2)]
    try:
        versions = {httpx.get(f"{s.base_url}/health").json()["data_version"] for s in servers}
        assert len(versions) == 1
        result = load_dataset(
            seeded_engine, ROW.encode(), "feb.csv", DatasetMeta("feb", "Febrero 2025")
        )
        deadline = time.monotonic() + 10
        seen: list[int] = []
        while time.monotonic() < deadline:
            seen = [httpx.get(f"{s.base_url}/health").json()["data_version"] for s in servers]
            if seen == [result.data_version] * 2:
                break
            time.sleep(0.2)
        assert seen == [result.data_version] * 2
    finally:
        for server in servers:
            server.stop()
