"""A snapshot updated after a load (app/catalog/update.py) equals one built from the whole
store: same frames, same periods, same statistics tables; anything but a plain load rebuilds."""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, Executable, delete, update

from app.catalog.build import read_catalog
from app.catalog.holder import CatalogHolder
from app.catalog.persist import FRAMES, read_snapshot, snapshot_key, write_snapshot
from app.catalog.snapshot import Catalog
from app.catalog.update import read_update
from app.stats.engine import stats_engine
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, record_load, withdraw_dataset, write_dataset
from app.store.ingest.places import load_places
from app.store.models import Establishment, Observation
from app.store.version import bump_version, read_store_state
from tests.catalog.test_persisted_snapshot import StoreReads
from tests.support.catalogs import Row, SmallCatalogs, Table, load_table

MEN = {"sex": "M"}
JANUARY = Table(
    [
        Row("population", "EP-LURIGANCHO", "2025-01", 100, MEN),
        Row("population", "EP-SJL-ANEXO", "2025-01", 40, MEN),
        Row("population", "EP-CALLAO", "2025-01", 70, MEN),
        Row("population", "EP-LURIGANCHO", "2025-01", 120),
        Row("capacity", "EP-LURIGANCHO", "2025-01", 90),
        Row("capacity", "EP-SJL-ANEXO", "2025-01", 30),
        Row("population", "15", "2025-01", 999),
    ]
)
PARTIAL = Table(
    [Row("tb_cases", "EP-LURIGANCHO", "2025-01", 3), Row("tb_cases", "EP-CALLAO", "2024", 1)],
    is_complete=False,
)
FEBRUARY = Table(
    [
        Row("population", "EP-LURIGANCHO", "2025-02", 101, MEN),
        Row("population", "EP-CALLAO", "2025-02", None, MEN, note="no reportado"),
        Row("population", "EP-SJL-ANEXO", "2025-01", 45, MEN),  # a later figure for January
        Row("capacity", "EP-LURIGANCHO", "2025-02", 90),
    ]
)
JANUARY_AGAIN = Table(  # replaces JANUARY: fewer rows, other values
    [
        Row("population", "EP-LURIGANCHO", "2025-01", 110, MEN),
        Row("capacity", "EP-SJL-ANEXO", "2025-01", 35),
    ]
)
# On the fixture store: a new month, and a later figure for a month it holds.
FIXTURE_LOAD = Table(
    [
        Row("population", "EP-LURIGANCHO", "2025-01", 9100),
        Row("population", "EP-CALLAO", "2025-01", 3050),
        Row("population", "EP-CALLAO", "2024-12", 3010),
        Row("capacity", "EP-LURIGANCHO", "2025-01", 3200),
    ]
)
STATS_TABLES = ("obs", "names", "grp", "rollup")


def _table_rows(catalog: Catalog, table: str) -> list[tuple[object, ...]]:
    """A statistics table's rows in a stable order (list aggregates sorted too)."""
    database = stats_engine(catalog).database
    columns = [r[0] for r in database.execute(f"DESCRIBE {table}").fetchall()]
    select = ", ".join(f"list_sort({c}) AS {c}" if c == "sources" else f'"{c}"' for c in columns)
    return database.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()


def assert_same_snapshot(updated: Catalog, engine: Engine) -> None:
    rebuilt, _ = read_catalog(engine)
    assert updated.version == rebuilt.version
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(updated, name), getattr(rebuilt, name))
    assert updated.periods == rebuilt.periods
    for table in STATS_TABLES:
        assert _table_rows(updated, table) == _table_rows(rebuilt, table), table
    assert stats_engine(updated).valued_periods == stats_engine(rebuilt).valued_periods


def _holder(url: str, root: Path) -> tuple[CatalogHolder, Engine]:
    engine = make_engine(url, may_create=False)
    return CatalogHolder(engine, snapshot_root=root), engine


def test_loads_update_the_snapshot_as_a_rebuild_would(
    small_catalogs: SmallCatalogs, tmp_path: Path
) -> None:
    url = small_catalogs.store(JANUARY, PARTIAL)
    root = tmp_path / "snapshots"
    holder, engine = _holder(url, root)
    first = holder.catalog
    assert first.persisted is None  # built from the store, then persisted
    steps = [
        ("feb", FEBRUARY, False),  # added: new periods, and a later figure for an old key
        ("table-0", JANUARY_AGAIN, True),  # replaced: rows gone, earlier figures shown again
        ("mar", Table([Row("population", "EP-CALLAO", "2025-03", 75, MEN)]), False),
        # replaced while the latest: SQLite gives the new dataset the same id
        ("mar", Table([Row("population", "EP-LURIGANCHO", "2025-03", 76, MEN)]), True),
    ]
    for name, table, replace in steps:
        version = load_table(engine, name, table, replace=replace)
        assert holder.refresh()
        updated = holder.catalog
        assert updated.version == version
        assert updated.persisted is not None and f"-v{version}-" in updated.persisted.name
        assert_same_snapshot(updated, engine)
        # Another process opens the updated snapshot as persisted: the same catalog again.
        loaded = read_snapshot(root, read_store_state(engine))
        assert loaded is not None
        for frame in FRAMES:
            pd.testing.assert_frame_equal(getattr(loaded, frame), getattr(updated, frame))
        for stats_table in STATS_TABLES:
            assert _table_rows(loaded, stats_table) == _table_rows(updated, stats_table)
    assert [p.name.split("-v")[1].split("-")[0] for p in root.iterdir()] == [
        str(holder.catalog.version)
    ]
    engine.dispose()


def test_a_load_updates_the_snapshot_on_each_backend(
    seeded_engine: Engine, store_url: str, tmp_path: Path
) -> None:
    holder, engine = _holder(store_url, tmp_path / "snapshots")
    before = holder.catalog
    version = load_table(engine, "jan", FIXTURE_LOAD)
    assert holder.refresh()
    assert holder.catalog.version == version == before.version + 1
    assert holder.catalog.persisted is not None
    assert_same_snapshot(holder.catalog, engine)
    engine.dispose()


CSV = (
    b"indicator,place_type,place_code,period,value\npopulation,establishment,EP-CALLAO,2025-04,80\n"
)


def _load_with(engine: Engine, statement: Executable) -> None:
    """A plain load recorded as such, but with another change in the same transaction."""
    meta = DatasetMeta("apr", "Abril")
    with engine.begin() as conn:
        conn.execute(statement)
        result = write_dataset(conn, CSV, "apr.csv", meta, replace=True)
        record_load(conn, bump_version(conn), meta, result)


def test_anything_but_a_plain_load_is_rebuilt(
    small_catalogs: SmallCatalogs, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(small_catalogs.store(JANUARY, PARTIAL), may_create=False)
    places = small_catalogs.directory / "places"
    cases: list[tuple[str, Callable[[], object]]] = [
        ("datasets withdrawn", lambda: withdraw_dataset(engine, "table-1")),
        (
            "a version without a recorded dataset load",
            lambda: load_places(engine, places, indicator_rows(CORE_REGISTRY)),
        ),
        (
            "establishments changed",
            lambda: _load_with(
                engine,
                update(Establishment).where(Establishment.code == "EP-CALLAO").values(name="Otro"),
            ),
        ),
        (
            "observations differ",
            lambda: _load_with(engine, delete(Observation).where(Observation.period == "2024")),
        ),
    ]
    for reason, change in cases:
        previous, _ = read_catalog(engine)
        change()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="app.catalog.update"):
            assert read_update(engine, previous) is None
        assert reason in caplog.text
    previous, _ = read_catalog(engine)
    load_table(engine, "feb", FEBRUARY)
    assert read_update(engine, previous) is not None
    engine.dispose()


def _claim_by(root: Path, engine: Engine, pid: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f".claim-{snapshot_key(read_store_state(engine))}"
    path.write_text(f"{socket.gethostname()} {pid}")
    return path


def test_a_replica_waits_for_the_snapshot_another_one_builds(
    small_catalogs: SmallCatalogs, tmp_path: Path
) -> None:
    url = small_catalogs.store(JANUARY)
    root = tmp_path / "snapshots"
    engine = make_engine(url, may_create=False)
    other = subprocess.Popen(["sleep", "60"])  # a live process holding the claim
    try:
        claim_path = _claim_by(root, engine, other.pid)
        waiter, _ = _holder(url, root)
        reads = StoreReads(waiter.engine)
        waiting = threading.Thread(target=waiter.refresh)
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive()  # waiting for the claim's holder
        catalog, state = read_catalog(engine)  # what the other process does
        folder = write_snapshot(root, state, catalog, stats_engine(catalog).database)
        claim_path.unlink()
        waiting.join(timeout=30)
        assert not waiting.is_alive()
    finally:
        other.kill()
        other.wait()
    assert waiter.catalog.persisted == folder
    assert reads.count == 0  # loaded, not read from the store
    engine.dispose()


def test_a_claim_of_a_dead_process_is_taken_over(
    small_catalogs: SmallCatalogs, tmp_path: Path
) -> None:
    url = small_catalogs.store(JANUARY)
    root = tmp_path / "snapshots"
    holder, engine = _holder(url, root)
    gone = subprocess.Popen(["true"])
    gone.wait()
    _claim_by(root, engine, gone.pid)
    started = time.monotonic()
    assert holder.catalog.persisted is None and time.monotonic() - started < 30
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")]
    engine.dispose()
