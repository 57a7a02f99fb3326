"""Loads of real size (issue 11): a file is streamed (validated, then written) in bounded
memory, and a bad or repeated row deep in a big file names its row and changes nothing."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.errors import LoadError
from app.store.ingest import bulk, table
from app.store.ingest.datasets import DatasetMeta, LoadInput, load_dataset
from app.store.ingest.table import LoadLimits
from app.store.models import Observation
from tests.support.checksum import store_checksum

HEADER = "indicator,place_type,place_code,period,value,programme,source_locator\n"
PLACES = ("EP-CALLAO", "EP-LURIGANCHO")
PROGRAMMES = 50


def big_file(path: Path, rows: int, line_at: dict[int, str] | None = None) -> Path:
    """`rows` distinct valid rows (row 2 onwards); `line_at` replaces the lines of some rows."""
    line_at = line_at or {}
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(rows):
            step, programme = divmod(i, PROGRAMMES)
            month, place = divmod(step, len(PLACES))
            year, month = divmod(month, 12)
            line = (
                f"population,establishment,{PLACES[place]},{1900 + year}-{month + 1:02d},"
                f"{i % 997},p{programme},line {i + 2}\n"
            )
            handle.write(line_at.get(i + 2, line))
    return path


def meta() -> DatasetMeta:
    return DatasetMeta("backfill", "Backfill (generated test rows)", source_document="test")


def observation_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Observation)) or 0)


def test_streamed_load_keeps_memory_flat(
    seeded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """15,000 rows (1 MB) load with at most 4 MB of Python allocations at the peak, whatever
    the file's size: the rows are never all in memory (before issue 11 they were, with the
    whole file: 20 MB for this one). bench/load.py measures 1M and 5M rows on both backends."""
    if backend != "sqlite":
        pytest.skip("the streaming is the same on both backends; tracing allocations is slow")
    # Small blocks and batches: many of each, so the streaming is exercised, not one big chunk.
    monkeypatch.setattr(table, "READ_BLOCK_BYTES", 16 * 1024)
    monkeypatch.setattr(bulk, "BATCH_ROWS", 500)
    path = big_file(tmp_path / "backfill.csv", 15_000)
    before = observation_count(seeded_engine)
    tracemalloc.start()
    try:
        result = load_dataset(seeded_engine, path, path.name, meta())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.row_count == 15_000
    assert observation_count(seeded_engine) == before + 15_000
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("population,establishment,EP-CALLAO,2025-13,1,p1,x\n", "period", "not a period"),
        ("population,establishment,EP-NOWHERE,2025-01,1,p1,x\n", "place_code", "EP-NOWHERE"),
        ("population,establishment,EP-CALLAO,2025-01,1e999,p1,x\n", "value", "finite"),
    ],
)
def test_bad_row_deep_in_a_big_file_is_named_and_nothing_changes(
    seeded_engine: Engine, tmp_path: Path, line: str, column: str, message: str
) -> None:
    path = big_file(tmp_path / "bad.csv", 30_000, {29_990: line})
    before = store_checksum(seeded_engine)
    with pytest.raises(LoadError) as info:
        load_dataset(seeded_engine, path, path.name, meta())
    assert (info.value.row, info.value.column) == (29_990, column)
    assert message in info.value.message
    assert store_checksum(seeded_engine) == before


def test_repeated_row_deep_in_a_big_file_names_both_rows(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    first = "population,establishment,EP-CALLAO,1900-01,5,p7,x\n"  # row 9's key
    path = big_file(tmp_path / "dup.csv", 30_000, {29_000: first, 29_500: first})
    before = store_checksum(seeded_engine)
    with pytest.raises(LoadError, match="duplicates row 9") as info:
        load_dataset(seeded_engine, path, path.name, meta())
    assert info.value.row == 29_000
    assert store_checksum(seeded_engine) == before


def test_row_limit_is_a_setting(seeded_engine: Engine, tmp_path: Path) -> None:
    path = big_file(tmp_path / "rows.csv", 1_001)
    source = LoadInput(path, path.name, LoadLimits(max_rows=1_000))
    with pytest.raises(LoadError, match="more than 1000 data rows") as info:
        load_dataset(seeded_engine, source, path.name, meta())
    assert info.value.row == 1_002


def test_file_changed_between_the_two_passes_stores_nothing(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    """The file is read twice; if it changes in between, the load is refused, not mixed."""
    path = big_file(tmp_path / "moving.csv", 100)
    before = store_checksum(seeded_engine)

    class EditAfterCheck:
        def begin(self, phase: str, total: int | None, unit: str) -> None:
            if phase == "writing":
                path.write_text(path.read_text().replace(",5,p5,", ",6,p5,"))

        def advance(self, amount: int) -> None:
            pass

    with pytest.raises(LoadError, match="changed while"):
        load_dataset(
            seeded_engine, LoadInput(path, path.name, progress=EditAfterCheck()), path.name, meta()
        )
    assert store_checksum(seeded_engine) == before
