"""Small catalogs for stats and domain tests: a few rows, loaded through the real code.

`SmallCatalogs.build` makes a new SQLite store, seeds the fixture places
(tests/fixtures/geodata: one oficina regional, two departamentos, provincias and distritos)
plus a second E.P. and an E.M.L. in Lima's district, loads each dataset with the real loader
(`load_dataset`: validation, sums, sources) and builds the catalog with `build_catalog`. The
store is migrated once per test session and copied for each catalog.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.domain.series import level_of
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, load_dataset
from app.store.ingest.seed import seed
from app.store.migrate import upgrade

FIXTURE_DATA = Path(__file__).resolve().parents[1] / "fixtures" / "geodata"
# Beside the fixture's EP-LURIGANCHO (distrito 150132) and EP-CALLAO (070101): a second E.P.
# in Lurigancho's district, so that sums over Lima have two members, and an E.M.L.
EXTRA_ESTABLISHMENTS = (
    "EP-SJL-ANEXO,E.P. Anexo de prueba,ep,OR-LIMA,150132,-76.98,-11.97,district_capital,"
    "test fixture,mujeres,test,line 3",
    "EML-SJL,E.M.L. de prueba,eml,OR-LIMA,150132,-76.97,-11.96,district_capital,"
    "test fixture,,test,line 4",
)
CSV_COLUMNS = ("indicator", "place_type", "place_code", "period", "value", "note")


@dataclass(frozen=True)
class Row:
    """One observation; the place type follows from the code (PE, OR-, EP-/EML-, UBIGEO)."""

    indicator: str
    place: str
    period: str
    value: float | None
    dimensions: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Table:
    """One dataset: its rows and how the loader records it."""

    rows: Sequence[Row]
    source_table: str = "Cuadro 1"
    is_complete: bool = True


def _csv(rows: Sequence[Row]) -> bytes:
    dimensions = sorted({name for row in rows for name in row.dimensions})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((*CSV_COLUMNS, *dimensions))
    for row in rows:
        value = "" if row.value is None else repr(float(row.value))
        writer.writerow(
            (
                row.indicator,
                level_of(row.place),
                row.place,
                row.period,
                value,
                row.note,
                *(row.dimensions.get(name, "") for name in dimensions),
            )
        )
    return buffer.getvalue().encode()


class SmallCatalogs:
    """Builds catalogs in `directory` from a store seeded once with the places alone."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._count = 0
        places = directory / "places"
        shutil.copytree(FIXTURE_DATA, places, ignore=shutil.ignore_patterns("datasets.yaml"))
        with (places / "establishments.csv").open("a", encoding="utf-8") as handle:
            handle.write("\n".join(EXTRA_ESTABLISHMENTS) + "\n")
        self.template = directory / "template.sqlite"
        engine = make_engine(f"sqlite:///{self.template}")
        try:
            upgrade(engine)
            seed(engine, places, indicator_rows(CORE_REGISTRY))
        finally:
            engine.dispose()

    def build(self, *tables: Table) -> Catalog:
        """A catalog of the fixture places and `tables`, each loaded as its own dataset."""
        engine = make_engine(self.store(*tables))
        try:
            return build_catalog(engine)
        finally:
            engine.dispose()

    def store(self, *tables: Table) -> str:
        """The URL of a new store of the fixture places and `tables` (datasets `table-0`...)."""
        self._count += 1
        path = self.directory / f"store{self._count}.sqlite"
        shutil.copyfile(self.template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            for number, table in enumerate(tables):
                load_table(engine, f"table-{number}", table)
        finally:
            engine.dispose()
        return url


def load_table(engine: Engine, name: str, table: Table, *, replace: bool = False) -> int:
    """Load `table` as dataset `name` with the real loader; the new data version."""
    meta = DatasetMeta(
        name=name,
        title=f"Tabla de prueba {name}",
        source_document="test fixture",
        source_table=table.source_table,
        is_complete=table.is_complete,
    )
    return load_dataset(engine, _csv(table.rows), f"{name}.csv", meta, replace=replace).data_version
