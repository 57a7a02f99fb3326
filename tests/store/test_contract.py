"""The store contract, run against both backends: migrate, seed, load, reload, bad load."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select, text

from app.catalog.build import build_catalog
from app.errors import LoadError
from app.store.ingest.datasets import DatasetMeta, load_dataset, withdraw_dataset
from app.store.models import Dataset, Observation
from app.store.version import read_version
from tests.support.checksum import store_checksum

HEADER = "indicator,place_type,place_code,period,value,note,sex,source_locator\n"
GOOD = HEADER + (
    "population,establishment,EP-LURIGANCHO,2025-01,9100,,,p. 3\n"
    "population,establishment,EP-CALLAO,2025-01,3050,,,p. 3\n"
    "population,establishment,EP-CALLAO,2025-01,120,,F,p. 3\n"
)


def meta(name: str = "pop-2025-01") -> DatasetMeta:
    return DatasetMeta(name=name, title="Población enero 2025", source_document="test")


def test_seed_loads_places_datasets_and_version(seeded_engine: Engine) -> None:
    catalog = build_catalog(seeded_engine)
    counts = catalog.counts()
    assert counts["units_departamento"] == 2
    assert counts["establishments_ep"] == 2
    assert counts["datasets"] == 1
    assert counts["observations"] == 8
    assert catalog.version == read_version(seeded_engine) >= 1
    point = catalog.establishments.loc["EP-LURIGANCHO", "geometry"]
    assert (point.x, point.y) == (-76.99, -11.98)


def test_load_csv_adds_rows_and_bumps_version(seeded_engine: Engine) -> None:
    before = read_version(seeded_engine)
    result = load_dataset(seeded_engine, GOOD.encode(), "pop.csv", meta())
    assert result.row_count == 3
    assert result.data_version == before + 1
    catalog = build_catalog(seeded_engine)
    rows = catalog.observations[catalog.observations["period"] == "2025-01"]
    assert sorted(rows["value"]) == [120, 3050, 9100]
    assert set(rows.loc[rows["value"] == 120, "dimensions"]) == {"sex=F"}


def test_load_xlsx_same_format(seeded_engine: Engine) -> None:
    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().split("\n"):
        sheet.append([int(c) if c.isdigit() else (c or None) for c in line.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    result = load_dataset(seeded_engine, buffer.getvalue(), "pop.xlsx", meta())
    assert result.row_count == 3


def test_latest_loaded_dataset_wins_and_older_is_kept(seeded_engine: Engine) -> None:
    newer = HEADER + "population,establishment,EP-LURIGANCHO,2024-12,9005,,,p. 9\n"
    load_dataset(seeded_engine, newer.encode(), "fix.csv", meta("correction"))
    catalog = build_catalog(seeded_engine)
    key = (
        (catalog.observations_all["place_code"] == "EP-LURIGANCHO")
        & (catalog.observations_all["period"] == "2024-12")
        & (catalog.observations_all["dimensions"] == "")
    )
    both = catalog.observations_all[key & (catalog.observations_all["indicator"] == "population")]
    assert sorted(both["value"]) == [9000, 9005]
    served = catalog.observations
    served = served[
        (served["place_code"] == "EP-LURIGANCHO")
        & (served["period"] == "2024-12")
        & (served["indicator"] == "population")
        & (served["dimensions"] == "")
    ]
    assert served["value"].tolist() == [9005]


def test_replace_supersedes_same_name(seeded_engine: Engine) -> None:
    load_dataset(seeded_engine, GOOD.encode(), "pop.csv", meta())
    with pytest.raises(LoadError, match="exists"):
        load_dataset(seeded_engine, GOOD.encode(), "pop.csv", meta())
    smaller = HEADER + "population,establishment,EP-CALLAO,2025-01,3051,,,p. 4\n"
    load_dataset(seeded_engine, smaller.encode(), "pop.csv", meta(), replace=True)
    with seeded_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Dataset)) == 2
        count = select(func.count()).select_from(Observation).where(Observation.period == "2025-01")
        assert conn.scalar(count) == 1


def test_withdrawn_dataset_is_no_longer_served(seeded_engine: Engine) -> None:
    load_dataset(seeded_engine, GOOD.encode(), "pop.csv", meta())
    withdraw_dataset(seeded_engine, "pop-2025-01")
    catalog = build_catalog(seeded_engine)
    assert "2025-01" not in set(catalog.observations["period"])
    assert "2025-01" in set(catalog.observations_all["period"])


BAD_FILES = {
    "unknown_indicator": (
        HEADER + "poblacion,establishment,EP-CALLAO,2025-01,1,,,x\n",
        2,
        "indicator",
    ),
    "unknown_place": (
        HEADER + "population,establishment,EP-NOWHERE,2025-01,1,,,x\n",
        2,
        "place_code",
    ),
    "bad_period": (HEADER + "population,establishment,EP-CALLAO,2025-13,1,,,x\n", 2, "period"),
    "thousands_separator": (
        GOOD + "population,establishment,EP-CALLAO,2025-02,1 234,,,x\n",
        5,
        "value",
    ),
    "too_many_cells": (GOOD + "population,establishment,EP-CALLAO,2025-02,1,,,x,extra\n", 5, None),
    "text_value": (GOOD + "population,establishment,EP-CALLAO,2025-02,mil,,,x\n", 5, "value"),
    "duplicate_row": (GOOD + "population,establishment,EP-CALLAO,2025-01,3050,,,p. 3\n", 5, None),
    "missing_column": (
        "indicator,place_type,period,value\npopulation,national,2025,1\n",
        1,
        "place_code",
    ),
    "unknown_column": ("indicator,place_type,place_code,period,valor\n", 1, "valor"),
    "empty_value_no_note": (
        HEADER + "population,establishment,EP-CALLAO,2025-01,,,,x\n",
        2,
        "value",
    ),
    "bad_sex": (HEADER + "population,establishment,EP-CALLAO,2025-01,1,,X,x\n", 2, "sex"),
    "formula_injection": (
        HEADER + "population,establishment,EP-CALLAO,2025-01,1,=HYPERLINK(1),,x\n",
        2,
        "note",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_with_row_and_store_unchanged(
    seeded_engine: Engine, case: str
) -> None:
    content, row, column = BAD_FILES[case]
    before = store_checksum(seeded_engine)
    with pytest.raises(LoadError) as info:
        load_dataset(seeded_engine, content.encode(), "bad.csv", meta())
    assert info.value.row == row
    if column:
        assert info.value.column == column
    assert f"row {row}" in info.value.message
    assert store_checksum(seeded_engine) == before


def test_non_utf8_file_names_its_row(seeded_engine: Engine) -> None:
    content = (HEADER + "population,establishment,EP-CALLAO,2025-01,1,Peñas,,x\n").encode("latin-1")
    before = store_checksum(seeded_engine)
    with pytest.raises(LoadError, match="UTF-8") as info:
        load_dataset(seeded_engine, content, "bad.csv", meta())
    assert info.value.row == 2
    assert store_checksum(seeded_engine) == before


def test_failure_after_partial_write_rolls_back(seeded_engine: Engine) -> None:
    """A crash inside the transaction (after rows were written) leaves nothing behind."""
    before = store_checksum(seeded_engine)
    with pytest.raises(RuntimeError), seeded_engine.begin() as conn:
        from app.store.ingest.datasets import write_dataset

        write_dataset(conn, GOOD.encode(), "pop.csv", meta())
        assert conn.execute(text("SELECT count(*) FROM datasets")).scalar() == 2
        raise RuntimeError("power cut")
    assert store_checksum(seeded_engine) == before


def test_partial_dataset_is_flagged_and_kept_apart_from_totals(seeded_engine: Engine) -> None:
    partial = DatasetMeta("some-prisons", "Algunos E.P.", is_complete=False)
    load_dataset(seeded_engine, GOOD.encode(), "pop.csv", partial)
    catalog = build_catalog(seeded_engine)
    assert catalog.datasets.set_index("name").loc["some-prisons", "is_complete"] == False  # noqa: E712
    rows = catalog.observations[catalog.observations["period"] == "2025-01"]
    assert not rows["dataset_is_complete"].any()
