"""The embedded store is never silently lost (issue 13), against the real `siep serve`: an
acknowledged load survives kill -9; a deleted store file turns /health to 503 "degraded", refuses writes,
keeps reads on the last snapshot; a restart refuses to re-seed and says so in one line."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.resilience.serve import (
    TOKEN,
    Serve,
    seeded_var_dir,
    serve_command,
    serve_env,
    start_serve,
    wait_for,
)
from tests.support.server import free_port

AUTH = {"Authorization": f"Bearer {TOKEN}"}
CSV = (
    "indicator,place_type,place_code,period,value,source_locator\n"
    "population,establishment,EP-CALLAO,2025-01,3001,p. 1\n"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Serve, Path]]:
    var_dir = tmp_path / "var"
    server = start_serve(var_dir)
    yield server, var_dir
    server.stop()


def load(server: Serve, name: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/admin/datasets",
        headers=AUTH,
        files={"file": (f"{name}.csv", CSV.encode(), "text/csv")},
        data={"title": f"Carga {name}", "name": name},
        timeout=30,
    )


def dataset_names(server: Serve) -> list[str]:
    response = httpx.get(f"{server.base_url}/api/v1/admin/datasets", headers=AUTH, timeout=10)
    return [d["name"] for d in response.json()]


def health(server: Serve) -> httpx.Response:
    return httpx.get(f"{server.base_url}/health", timeout=5)


def test_acknowledged_load_survives_kill_9(served: tuple[Serve, Path]) -> None:
    server, var_dir = served
    assert load(server, "enero_2025").status_code == 201
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    again = start_serve(var_dir)
    try:
        assert "enero_2025" in dataset_names(again)
        assert health(again).json()["status"] == "ok"
    finally:
        again.stop()
    assert "empty store: loading" in server.log()
    assert "empty store: loading" not in again.log()  # a marked store is never re-seeded


def _delete(store: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)


def test_deleted_store_degrades_health_refuses_writes_keeps_reads(tmp_path: Path) -> None:
    var_dir = seeded_var_dir(tmp_path / "var")
    server = start_serve(var_dir)
    try:
        _check_deleted_store(server, var_dir)
    finally:
        server.stop()


def _check_deleted_store(server: Serve, var_dir: Path) -> None:
    indicators = httpx.get(f"{server.base_url}/api/v1/indicators", timeout=60).json()
    _delete(var_dir / "siep.sqlite")
    wait_for(lambda: health(server).status_code == 503)
    body = health(server).json()
    assert body["status"] == "degraded"
    assert "missing" in body["reason"]
    refused = load(server, "after_fault")
    assert refused.status_code == 503
    assert "writes refused" in refused.json()["detail"]
    assert httpx.get(f"{server.base_url}/api/v1/indicators", timeout=10).json() == indicators
    assert "GET /health -> 503 [request" in server.log()  # every 5xx is logged
    server.stop()
    assert not (var_dir / "siep.sqlite").exists()  # nothing re-created it
    assert_restart_refused(var_dir, "missing")


def assert_restart_refused(var_dir: Path, reason: str) -> None:
    """`siep serve` exits non-zero with one line on stderr; the trace only in the log."""
    restart = subprocess.run(
        serve_command(free_port()),
        cwd=PROJECT_ROOT,
        env=serve_env(var_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert restart.returncode != 0
    lines = [line for line in restart.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), restart.stderr
    assert reason in lines[0]
    assert "Traceback" not in restart.stderr + restart.stdout
    assert "empty store: loading" not in restart.stdout
