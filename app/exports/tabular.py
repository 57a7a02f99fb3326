"""CSV and XLSX writers. Text cells a spreadsheet would run as a formula are escaped."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.exports.download import Download

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Prefix text starting like a formula with an apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            # object dtype kept: whole numbers beside empty cells must not turn into floats
            out[column] = pd.Series(
                [escape_cell(v) for v in out[column]], index=out.index, dtype=object
            )
    return out


def write_csv(download: Download) -> bytes:
    """UTF-8 with BOM, so that Excel reads accents right."""
    text = str(safe_table(download.people_table).to_csv(index=False, lineterminator="\r\n"))
    return ("\ufeff" + text).encode("utf-8")


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return escape_cell(value) if isinstance(value, str) else value


SOURCES_SHEET = {"es": ("fuentes", "Fuentes"), "en": ("sources", "Sources")}


def write_xlsx(download: Download) -> bytes:
    """Sheet 'datos' (title, then the table as people read it); sheet 'fuentes' (the
    publications, how to cite the download, notes and attribution)."""
    table = download.people_table
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "datos" if download.lang == "es" else "data"
    # The title can carry stored text (an establishment's name): escaped like any cell.
    sheet.append([escape_cell(download.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([escape_cell(str(c)) for c in table.columns])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for cell in (c for row in sheet.iter_rows(min_row=4) for c in row):
        if isinstance(cell.value, int) and not isinstance(cell.value, bool):
            cell.number_format = "#,##0"
    for index, column in enumerate(table.columns, start=1):
        width = max([len(str(column)), *(len(str(v)) for v in table[column].head(200))])
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    name, heading = SOURCES_SHEET[download.lang]
    meta = workbook.create_sheet(name)
    meta.append([heading])
    meta["A1"].font = Font(bold=True, size=13)
    for line in (*download.sources, "", *download.notes, download.attribution):
        meta.append([escape_cell(line)] if line else [])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
