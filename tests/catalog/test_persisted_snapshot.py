"""Persisted snapshots (app/catalog/persist.py): written once per store and data version,
reused by the next process without reading the store, replaced after a load, rebuilt when
damaged, and serving exactly the figures a snapshot built from the store serves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.catalog.build import read_catalog
from app.catalog.holder import CatalogHolder
from app.catalog.persist import (
    FRAMES,
    prune,
    read_snapshot,
    snapshot_folder,
    snapshot_key,
    write_snapshot,
)
from app.main import create_app
from app.settings import Settings
from app.stats.engine import stats_engine
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, load_dataset
from app.store.ingest.seed import seed
from app.store.version import StoreState, read_store_state
from tests.conftest import FIXTURE_DATA

ROW = (
    "indicator,place_type,place_code,period,value,source_locator\n"
    "population,establishment,EP-CALLAO,2025-02,3111,p. 1\n"
)
REQUESTS = [
    "/api/v1/choropleth?indicator=population&level=departamento",
    "/api/v1/choropleth?indicator=overpopulation_pct&level=oficina_regional",
    "/api/v1/series?indicator=population&place=15",
    "/api/v1/observations?indicator=population&limit=50",
    "/api/v1/establishments/EP-CALLAO",
    "/ogc/collections/establecimientos_penitenciarios/items?f=json&limit=5",
]


class StoreReads:
    """Counts the statements that read the observations table (what a rebuild does)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM observations" in statement:
            self.count += 1


def _holder(url: str, root: Path) -> tuple[CatalogHolder, StoreReads]:
    engine = make_engine(url, may_create=False)
    return CatalogHolder(engine, snapshot_root=root), StoreReads(engine)


def _folders(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("."))


def test_a_persisted_snapshot_reads_back_exactly(seeded_engine: Engine, tmp_path: Path) -> None:
    catalog, state = read_catalog(seeded_engine)
    database = stats_engine(catalog).database
    folder = write_snapshot(tmp_path, state, catalog, database)
    assert folder == snapshot_folder(tmp_path, state)
    loaded = read_snapshot(tmp_path, state)
    assert loaded is not None and loaded.persisted == folder
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(catalog, name))
    assert type(loaded.units) is type(catalog.units)
    assert loaded.units.crs == catalog.units.crs
    assert loaded.periods == catalog.periods
    assert (loaded.version, loaded.backend) == (catalog.version, catalog.backend)
    reloaded = stats_engine(loaded)
    for table in ("obs", "names", "grp", "rollup"):
        sql = f"SELECT * FROM {table}"
        assert reloaded.database.execute(sql).fetchall() == database.execute(sql).fetchall()
    assert reloaded.valued_periods == stats_engine(catalog).valued_periods
    # Text repeated across rows is one shared string, as when read from the store.
    column = loaded.observations_all["indicator"]
    assert len({id(v) for v in column}) == column.nunique()


def test_a_second_process_loads_the_snapshot_instead_of_the_store(
    seeded_engine: Engine, store_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "snapshots"
    first, first_reads = _holder(store_url, root)
    built = first.catalog
    assert built.persisted is None and first_reads.count > 0
    assert _folders(root) == [snapshot_folder(root, read_store_state(seeded_engine)).name]

    second, second_reads = _holder(store_url, root)
    loaded = second.catalog
    assert loaded.persisted == root / _folders(root)[0]
    assert second_reads.count == 0  # the store's observations were never read
    pd.testing.assert_frame_equal(loaded.observations, built.observations)


def test_a_new_load_replaces_the_snapshot(
    seeded_engine: Engine, store_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "snapshots"
    holder, _ = _holder(store_url, root)
    before = holder.catalog
    old = _folders(root)
    load_dataset(seeded_engine, ROW.encode(), "feb.csv", DatasetMeta("feb", "Febrero 2025"))
    assert holder.refresh()
    after = holder.catalog
    assert after.version == before.version + 1
    # Updated with the loaded dataset's rows (tests/catalog/test_snapshot_update.py), persisted.
    new = _folders(root)
    assert after.persisted == root / new[0]
    assert len(new) == 1 and new != old  # the old version was pruned
    assert "2025-02" in after.periods["population"]

    fresh, fresh_reads = _holder(store_url, root)
    assert fresh.catalog.persisted == root / new[0] and fresh_reads.count == 0
    assert "2025-02" in fresh.catalog.periods["population"]


@pytest.mark.parametrize(
    "damage",
    ["truncated observations", "garbled statistics", "missing manifest"],
)
def test_a_damaged_snapshot_is_rebuilt_from_the_store(
    make_store: Callable[[str], str],
    tmp_path: Path,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The fallback does not depend on the backend: the embedded store is enough here.
    store_url = make_store("sqlite")
    engine = make_engine(store_url)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    root = tmp_path / "snapshots"
    expected = _holder(store_url, root)[0].catalog
    folder = root / _folders(root)[0]
    if damage == "truncated observations":
        target = next(folder.glob("observations_all-*.parquet"))  # one file per dataset
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    elif damage == "garbled statistics":
        (folder / "stats.duckdb").write_bytes(b"\0not a database" * 1000)
    else:
        (folder / "manifest.json").unlink()

    with caplog.at_level(logging.WARNING, logger="app.catalog.persist"):
        holder, reads = _holder(store_url, root)
        rebuilt = holder.catalog
    assert "unreadable" in caplog.text
    assert reads.count > 0 and rebuilt.persisted is None
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(rebuilt, name), getattr(expected, name))
    # Written again, whole: the next process loads it.
    again, again_reads = _holder(store_url, root)
    assert again.catalog.persisted == folder and again_reads.count == 0


@pytest.fixture
def shipped_settings(shipped_store_url: str, tmp_path: Path) -> Iterator[Settings]:
    yield Settings(
        database_url=shipped_store_url,
        var_dir=tmp_path / "var",
        snapshot_dir=tmp_path / "snapshots",
        seed_on_start=False,
    )


def test_answers_from_a_loaded_snapshot_equal_answers_from_the_store(
    shipped_settings: Settings,
) -> None:
    answers = []
    for expect_persisted in (False, True):
        app = create_app(shipped_settings)
        with TestClient(app) as client:
            assert (app.state.holder.catalog.persisted is not None) is expect_persisted
            responses = [client.get(url) for url in REQUESTS]
            assert [r.status_code for r in responses] == [200] * len(REQUESTS)
            # pygeoapi stamps each items answer with the time it was written.
            answers.append([{**r.json(), "timeStamp": None} for r in responses])
    assert answers[0] == answers[1]


def test_snapshots_can_be_turned_off(shipped_settings: Settings) -> None:
    settings = shipped_settings.model_copy(update={"persist_snapshots": False})
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    assert settings.effective_snapshot_dir is None
    assert not (shipped_settings.snapshot_dir or Path("/nonexistent")).exists()


def test_pruning_keeps_newer_versions_and_other_stores(tmp_path: Path) -> None:
    store = "0b7c5d1e-0000-4000-8000-000000000001"
    state = StoreState(store, 2, "2026-12-02 09:00:00")
    names = {
        "older": snapshot_key(StoreState(store, 1, "a")),
        "other history": snapshot_key(StoreState(store, 2, "b")),
        "newer": snapshot_key(StoreState(store, 3, "c")),
        "other store": snapshot_key(StoreState("9f8e7d6c-0000-4000-8000-000000000002", 1, "a")),
        "current": snapshot_key(state),
    }
    for name in names.values():
        (tmp_path / name).mkdir()
    prune(tmp_path, state)
    left = {label for label, name in names.items() if (tmp_path / name).exists()}
    assert left == {"newer", "other store", "current"}
