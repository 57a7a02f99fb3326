"""A full disk under the embedded store (issue 13), against the real `siep serve`: the store
lives on a tmpfs with a few hundred KB free; a load that does not fit is refused with a clear
error (HTTP 507), the server stays healthy, a load acknowledged before it is kept, and the
file a restart would read is consistent and holds every acknowledged load. Mounting a tmpfs
needs root: skipped cleanly otherwise."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.resilience.serve import TOKEN, Serve, seeded_var_dir, start_serve

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HEADER = "indicator,place_type,place_code,period,value,source_locator\n"
FREE_BYTES = 384 * 1024


def _csv(years: range) -> bytes:
    rows = (
        f"population,establishment,EP-CALLAO,{year}-{month:02d},{1000 + month},p. {year}\n"
        for year in years
        for month in range(1, 13)
    )
    return (HEADER + "".join(rows)).encode()


def _load(server: Serve, name: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/admin/datasets",
        headers=AUTH,
        files={"file": (f"{name}.csv", body, "text/csv")},
        data={"title": f"Carga {name}", "name": name},
        timeout=60,
    )


def _names(server: Serve) -> list[str]:
    response = httpx.get(f"{server.base_url}/api/v1/admin/datasets", headers=AUTH, timeout=10)
    return [d["name"] for d in response.json()]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A var dir holding the seeded fixture store on a tmpfs with FREE_BYTES to spare."""
    seeded = seeded_var_dir(tmp_path / "seeded")
    used = sum(f.stat().st_size for f in seeded.iterdir())
    disk = tmp_path / "disk"
    disk.mkdir()
    size_kb = (used + FREE_BYTES) // 1024 + 1
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}")
    try:
        yield Path(shutil.copytree(seeded, disk / "var"))
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_load_that_does_not_fit_is_refused_and_nothing_acknowledged_is_lost(
    tiny_disk: Path, tmp_path: Path
) -> None:
    server = start_serve(tiny_disk, log_dir=tmp_path)
    try:
        assert _load(server, "small", _csv(range(2001, 2003))).status_code == 201
        big = _load(server, "big", _csv(range(1000, 1800)))
        assert big.status_code == 507
        assert "disk" in big.json()["detail"]
        assert _names(server).count("small") == 1
        assert "big" not in _names(server)
        assert httpx.get(f"{server.base_url}/health", timeout=5).status_code == 200
    finally:
        server.stop()
    with sqlite3.connect(tiny_disk / "siep.sqlite") as db:  # what a restart would read
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {name for (name,) in db.execute("SELECT name FROM datasets")}
    assert "small" in names
    assert "big" not in names
