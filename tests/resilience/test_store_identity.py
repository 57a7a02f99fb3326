"""A corrupted or replaced embedded store, in process (the whole app, its real poller): /health
503 "degraded" with the reason, writes 503, reads from the last snapshot; then `siep serve`
refuses to start over it in one line. The deleted-file case runs against `siep serve` in
test_store_faults.py."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.resilience.serve import TOKEN, seeded_var_dir
from tests.resilience.test_store_faults import assert_restart_refused

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    return seeded_var_dir(tmp_path / "var")


@pytest.fixture
def client(var_dir: Path) -> Iterator[TestClient]:
    settings = Settings(database_url="", var_dir=var_dir, catalog_poll_s=0.1, admin_token=TOKEN)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _corrupt(store: Path) -> None:
    with store.open("r+b") as handle:  # in place: the same file, garbage content
        handle.write(b"this is not a database " * 4096)


def _replace(store: Path) -> None:
    """Another store (the same content under another identity) moved into place."""
    other = store.with_name("other.sqlite")
    with sqlite3.connect(store) as source, sqlite3.connect(other) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.execute("UPDATE store_identity SET store_id = 'another-store'")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    other.rename(store)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [(_corrupt, "unreadable"), (_replace, "replaced")],
    ids=["corrupted", "replaced"],
)
def test_store_fault_degrades_health_refuses_writes_keeps_reads(
    client: TestClient, var_dir: Path, fault: Callable[[Path], None], reason: str
) -> None:
    indicators = client.get("/api/v1/indicators").json()
    assert client.get("/health").status_code == 200
    fault(var_dir / "siep.sqlite")
    deadline = time.monotonic() + 10
    while client.get("/health").status_code != 503:
        assert time.monotonic() < deadline, "health never turned degraded"
        time.sleep(0.1)
    body = client.get("/health").json()
    assert body["status"] == "degraded" and reason in body["reason"]
    refused = client.post(
        "/api/v1/admin/datasets",
        headers=AUTH,
        files={"file": ("x.csv", b"indicator,place_type,place_code,period,value\n", "text/csv")},
        data={"title": "after the fault", "name": "after_fault"},
    )
    assert refused.status_code == 503
    assert reason in refused.json()["detail"]
    assert client.delete("/api/v1/admin/datasets/any", headers=AUTH).status_code == 503
    assert client.get("/api/v1/indicators").json() == indicators
    assert_restart_refused(var_dir, reason if reason != "unreadable" else "corrupt")
