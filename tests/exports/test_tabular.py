from __future__ import annotations

import io

import openpyxl
import pandas as pd

from app.exports.download import Download
from app.exports.formats import BUILTIN_FORMATS
from app.exports.layout import Layout, people_table
from app.exports.tabular import write_csv, write_xlsx

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "plain", "\tx"]


def _download() -> Download:
    table = pd.DataFrame({"name": HOSTILE, "value": [1, -2, 3, 4, 5, 6]})
    return Download(title="t", filename="t", table=table, json_body={})


def test_csv_escapes_cells_a_spreadsheet_would_run() -> None:
    text = write_csv(_download()).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM" in text and ",-2" in text
    assert "\nplain," in text.replace("\r\n", "\n")


def test_xlsx_keeps_formulas_as_text_and_numbers_as_numbers() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(_download()))).active
    cells = list(sheet.iter_rows(min_row=4, values_only=True))
    assert cells[0][0] == '\'=HYPERLINK("http://x")' and cells[1][1] == -2
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(4, 10))


def test_every_format_has_a_media_type_and_extension() -> None:
    names = BUILTIN_FORMATS.names()
    assert {
        "csv",
        "xlsx",
        "docx",
        "pdf",
        "png",
        "jpg",
        "html",
        "geojson",
        "gpkg",
        "shp",
        "kml",
    } <= set(names)
    assert all(f.media_type and f.extension for f in BUILTIN_FORMATS)


def test_people_table_sorts_missing_last_and_keeps_an_empty_table() -> None:
    layout = Layout(columns=("name", "value", "status"), decimals={"value": 1}, sort_by="value")
    table = pd.DataFrame(
        {"name": ["a", "b", "c"], "value": [1.04, None, 7.06], "status": ["ok", "missing", "ok"]}
    )
    out = people_table(table, layout, "en")
    assert list(out.columns) == ["Place", "Value", "Status"]
    assert out["Place"].tolist() == ["c", "a", "b"] and out["Value"].tolist() == [7.1, 1.0, None]
    assert out["Status"].tolist() == ["published", "published", "no data"]
    assert people_table(table.iloc[:0], layout, "es").columns.tolist() == [
        "Lugar",
        "Valor",
        "Estado",
    ]
