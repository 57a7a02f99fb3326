"""DOCX and PDF tables: every row and cell as the table has it, text that looks like markup
kept as text, long text wrapped inside the page."""

from __future__ import annotations

import io

import docx
import pandas as pd
import pypdf
from reportlab.lib.styles import getSampleStyleSheet

from app.exports.download import Download
from app.exports.reports import CELL_PADDING, column_widths, write_docx, write_pdf

AWKWARD = ["<b>bold</b> & co", "tab\there", "two\nlines", " edge blank ", ""]
LONG = "Instituto Nacional Penitenciario (INPE), Informe Estadístico 2024, " * 6


def _download(rows: int = 40) -> Download:
    names = [AWKWARD[i % len(AWKWARD)] or f"place {i}" for i in range(rows)]
    table = pd.DataFrame(
        {"name": names, "value": list(range(rows)), "sources": [LONG] * rows}, dtype=object
    )
    return Download(title="t & <t>", filename="t", table=table, json_body={})


def test_docx_table_has_every_row_and_cell_text() -> None:
    document = docx.Document(io.BytesIO(write_docx(_download())))
    table = document.tables[0]
    assert len(table.rows) == 41
    texts = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in texts[:5]] == AWKWARD[:4] + ["place 4"]
    assert [row[1] for row in texts[:3]] == ["0", "1", "2"]
    assert all(row[2] == LONG for row in texts)


def test_pdf_keeps_markup_as_text_and_wraps_long_cells() -> None:
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(_download(300))))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "<b>bold</b> & co" in text
    assert "place 299" in text and "299" in text
    assert 1 < len(reader.pages) < 40  # 300 rows with a wrapped sources column


def test_column_widths_fit_the_page_and_keep_short_columns_whole() -> None:
    style = getSampleStyleSheet()["BodyText"].clone("small", fontSize=7)
    header = ["Lugar", "Valor (personas)", "Fuente"]
    rows = [["Lima", "20,806", LONG], ["Callao", "3", LONG]]
    widths = column_widths(header, rows, style, 500)
    assert abs(sum(widths) - 500) < 1e-6
    assert widths[0] >= 4 + CELL_PADDING and widths[1] < 60  # "(personas)" on its own line
    assert column_widths(header, [["a", "1", "b"]], style, 500) == column_widths(
        header, [["a", "1", "b"]], style, 10_000
    )
