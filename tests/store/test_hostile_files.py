"""Corrupt and hostile load files, beyond the cases in test_contract.py, on both backends.

Every one is rejected with the row (and the column, when one cell is at fault) in the message,
and the store is byte-for-byte unchanged afterwards. Whole-file faults (size, a damaged or
oversized workbook) name the limit instead. A few go through HTTP too (422).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine

from app.errors import LoadError
from app.main import create_app
from app.settings import Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, LoadInput, load_dataset
from app.store.ingest.seed import seed
from app.store.ingest.table import LoadLimits
from app.store.ingest.tidy import MAX_CELL_CHARS
from tests.conftest import FIXTURE_DATA
from tests.support.checksum import store_checksum

COLUMNS = ["indicator", "place_type", "place_code", "period", "value", "note", "sex"]
TEXT = ["source_document", "source_table", "source_locator"]
HEADER = ",".join(COLUMNS + TEXT) + "\n"
ROW = "population,establishment,EP-CALLAO,2025-01,{value},{note},,doc,table,p. 3\n"
GOOD_ROW = ROW.format(value=5, note="")
# The limits are settings (SIEP_LOAD_MAX_BYTES, SIEP_LOAD_MAX_ROWS): lowered here to test them fast.
LIMITS = LoadLimits(max_bytes=1024 * 1024, max_rows=2_000)


def csv_with(*rows: str) -> bytes:
    return (HEADER + GOOD_ROW + "".join(rows)).encode()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_HEADER: list[object] = [*COLUMNS, *TEXT]
XLSX_GOOD = ["population", "establishment", "EP-CALLAO", "2025-01", 5, None, None, "d", "t", "p"]


def with_sheet(book: bytes, chunks: Iterator[bytes] | bytes) -> bytes:
    """The same workbook with its first worksheet's XML replaced (streamed into the zip)."""
    source = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != name:
                archive.writestr(member.filename, source.read(member.filename))
                continue
            with archive.open(name, "w", force_zip64=True) as handle:
                for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
                    handle.write(chunk)
    return out.getvalue()


def _sheet_xml() -> bytes:
    return zipfile.ZipFile(io.BytesIO(xlsx([XLSX_HEADER, XLSX_GOOD]))).read(
        "xl/worksheets/sheet1.xml"
    )


def zip_bomb() -> Iterator[bytes]:
    """~300 MB of comment inside the sheet: about 300 KB once deflated."""
    head, tail = _sheet_xml().split(b"</sheetData>")
    yield head + b"</sheetData><!--"
    for _ in range(300):
        yield b" " * (1 << 20)
    yield b"-->" + tail


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(2, 10)
    ).replace(b"&lol1;", b"&lol;")
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


@dataclass(frozen=True)
class Case:
    build: Callable[[], bytes]
    filename: str
    row: int | None
    column: str | None
    message: str


CASES: dict[str, Case] = {
    # encodings and bytes
    "utf16_bom": Case(lambda: (HEADER + GOOD_ROW).encode("utf-16"), "f.csv", 1, None, "not UTF-8"),
    "utf16_le_no_bom_row_3": Case(
        lambda: (
            csv_with(GOOD_ROW.replace("2025-01", "2025-02"))
            + ROW.format(value=1, note="x").encode("utf-16-le")
        ),
        "f.csv",
        4,
        None,
        "",
    ),
    "nul_byte_in_cell": Case(
        lambda: csv_with(ROW.format(value=1, note="a\x00b").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        None,
        "NUL",
    ),
    "empty_file": Case(lambda: b"", "f.csv", 1, None, "empty"),
    "header_only": Case(lambda: HEADER.encode(), "f.csv", 2, None, "no data rows"),
    "header_only_xlsx": Case(lambda: xlsx([XLSX_HEADER]), "f.xlsx", 2, None, "no data rows"),
    "duplicated_header_column": Case(
        lambda: (HEADER.strip() + ",note\n" + GOOD_ROW).encode(), "f.csv", 1, "note", "twice"
    ),
    "missing_required_cell": Case(
        lambda: csv_with(",establishment,EP-CALLAO,2025-02,1,,,d,t,p\n"),
        "f.csv",
        3,
        "indicator",
        "required",
    ),
    "unknown_place_type": Case(
        lambda: csv_with("population,prision,EP-CALLAO,2025-02,1,,,d,t,p\n"),
        "f.csv",
        3,
        "place_type",
        "prision",
    ),
    "bad_dimension_value": Case(
        lambda: (HEADER.strip() + ",regime\n" + GOOD_ROW.strip() + ",Cerrado!\n").encode(),
        "f.csv",
        2,
        "regime",
        "not valid",
    ),
    # numbers
    "nan_value": Case(
        lambda: csv_with(ROW.format(value="NaN", note="").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        "value",
        "finite",
    ),
    "inf_value": Case(
        lambda: csv_with(ROW.format(value="-inf", note="").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        "value",
        "finite",
    ),
    "huge_exponent": Case(
        lambda: csv_with(ROW.format(value="1e999", note="").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        "value",
        "finite",
    ),
    "negative_count": Case(
        lambda: csv_with(ROW.format(value="-12", note="").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        "value",
        "negative",
    ),
    "non_numeric_xlsx": Case(
        lambda: xlsx([XLSX_HEADER, XLSX_GOOD[:4] + ["doce"] + XLSX_GOOD[5:]]),
        "f.xlsx",
        2,
        "value",
        "not a number",
    ),
    # spreadsheet formulas
    "formula_cell_xlsx": Case(
        lambda: xlsx([XLSX_HEADER, XLSX_GOOD[:4] + ["=SUM(1,2)"] + XLSX_GOOD[5:]]),
        "f.xlsx",
        2,
        "value",
        "not a number",
    ),
    "formula_in_note_xlsx": Case(
        lambda: xlsx([XLSX_HEADER, XLSX_GOOD[:5] + ['=HYPERLINK("http://x","y")'] + XLSX_GOOD[6:]]),
        "f.xlsx",
        2,
        "note",
        "formula",
    ),
    **{
        f"formula_injection_{column}": Case(
            (
                lambda column=column, prefix=prefix: csv_with(
                    GOOD_ROW.replace("2025-01", "2025-02").replace(
                        {"source_document": "doc", "source_table": "table"}.get(column, "p. 3"),
                        f"{prefix}cmd|' /C calc'!A0",
                    )
                )
            ),
            "f.csv",
            3,
            column,
            "formula",
        )
        for column, prefix in zip(TEXT, ["@", "+", "-"], strict=True)
    },
    "formula_after_whitespace": Case(
        lambda: csv_with(ROW.format(value=1, note=" \t=1+1").replace("2025-01", "2025-02")),
        "f.csv",
        3,
        "note",
        "formula",
    ),
    # sizes
    "file_over_the_limit": Case(
        lambda: csv_with() + b"#" * LIMITS.max_bytes, "f.csv", None, None, "limit"
    ),
    "too_many_rows": Case(
        lambda: (
            b"indicator,place_type,place_code,period,value,programme\n"
            + b"".join(
                b"population,establishment,EP-CALLAO,2025-01,1,p%d\n" % i
                for i in range(LIMITS.max_rows + 1)
            )
        ),
        "f.csv",
        LIMITS.max_rows + 2,
        None,
        f"more than {LIMITS.max_rows}",
    ),
    "cell_too_long": Case(
        lambda: csv_with(
            ROW.format(value=1, note="x" * (MAX_CELL_CHARS + 1)).replace("2025-01", "2025-02")
        ),
        "f.csv",
        3,
        "note",
        "longer than",
    ),
    # damaged or hostile workbooks
    "truncated_xlsx": Case(
        lambda: (b := xlsx([XLSX_HEADER, XLSX_GOOD]))[: len(b) // 2], "f.xlsx", None, None, "XLSX"
    ),
    "csv_renamed_xlsx": Case(lambda: csv_with(), "f.xlsx", None, None, "XLSX"),
    "png_renamed_xlsx": Case(
        lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "f.xlsx", None, None, "XLSX"
    ),
    "zip_bomb_xlsx": Case(
        lambda: with_sheet(xlsx([XLSX_HEADER, XLSX_GOOD]), zip_bomb()),
        "f.xlsx",
        None,
        None,
        "unpacks to",
    ),
    "billion_laughs_xlsx": Case(
        lambda: with_sheet(xlsx([XLSX_HEADER, XLSX_GOOD]), BILLION_LAUGHS),
        "f.xlsx",
        None,
        None,
        "XLSX",
    ),
    "damaged_sheet_xml": Case(
        lambda: with_sheet(xlsx([XLSX_HEADER, XLSX_GOOD]), _sheet_xml()[:600]),
        "f.xlsx",
        1,
        None,
        "damaged",
    ),
}


def meta() -> DatasetMeta:
    return DatasetMeta(name="hostile", title="hostile file", source_document="test")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_rejected_and_store_unchanged(seeded_engine: Engine, name: str) -> None:
    case = CASES[name]
    data = case.build()
    before = store_checksum(seeded_engine)
    with pytest.raises(LoadError) as info:
        load_dataset(seeded_engine, LoadInput(data, case.filename, LIMITS), case.filename, meta())
    error = info.value
    assert case.message in error.message
    if case.row is not None:
        assert error.row == case.row and f"row {case.row}" in error.message
    if case.column is not None:
        assert error.column == case.column and f"column '{case.column}'" in error.message
    assert store_checksum(seeded_engine) == before


ACCEPTED = {
    "utf8_bom": b"\xef\xbb\xbf" + (HEADER + GOOD_ROW).encode(),
    "crlf_line_ends": (HEADER + GOOD_ROW).replace("\n", "\r\n").encode(),
    "bom_and_crlf": b"\xef\xbb\xbf" + (HEADER + GOOD_ROW).replace("\n", "\r\n").encode(),
    "quoted_cells_with_comma": (HEADER + GOOD_ROW.replace(",doc,", ',"doc, tomo 2",')).encode(),
    "zero_count": (HEADER + ROW.format(value=0, note="")).encode(),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_benign_variants_are_accepted(seeded_engine: Engine, name: str) -> None:
    result = load_dataset(seeded_engine, ACCEPTED[name], "ok.csv", meta())
    assert result.row_count == 1


# Through HTTP: the admin upload answers 422 with the same row/column message.
HTTP_CASES = [
    "utf16_bom",
    "negative_count",
    "formula_injection_source_table",
    "truncated_xlsx",
    "zip_bomb_xlsx",
    "file_over_the_limit",
]
TOKEN = "hostile-" + "t" * 24


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Engine]]:
    from app.store.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'siep.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    settings = Settings(
        database_url=url,
        var_dir=tmp_path_factory.mktemp("hostilevar"),
        seed_on_start=False,
        admin_token=TOKEN,
        load_max_bytes=LIMITS.max_bytes,
        load_max_rows=LIMITS.max_rows,
    )
    with TestClient(create_app(settings)) as client:
        yield client, engine
    engine.dispose()


@pytest.mark.parametrize("name", HTTP_CASES)
def test_hostile_upload_gets_422_with_row_and_column(
    admin: tuple[TestClient, Engine], name: str
) -> None:
    client, engine = admin
    case = CASES[name]
    before = store_checksum(engine)
    response = client.post(
        "/api/v1/admin/datasets",
        files={"file": (case.filename, case.build(), "application/octet-stream")},
        data={"title": "hostile", "name": "hostile"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    if case.row is not None:
        assert f"row {case.row}" in detail
    if case.column is not None:
        assert f"column '{case.column}'" in detail
    assert store_checksum(engine) == before
