"""DOCX and PDF reports: title, picture (map or chart), table, sources and attribution."""

from __future__ import annotations

import copy
import io
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from docx import Document as new_docx
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.exports.download import Download

MAX_REPORT_ROWS = 500
# reportlab's left and right cell padding (3 + 3 points), and 1 point so that a word exactly as
# wide as its column is not broken by rounding
CELL_PADDING = 7
HEADINGS = {
    "es": {"sources": "Fuentes", "table": "Cuadro", "truncated": "Primeras {n} filas de {total}."},
    "en": {"sources": "Sources", "table": "Table", "truncated": "First {n} rows of {total}."},
}


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _rows(download: Download) -> tuple[list[str], list[list[str]], str]:
    table = download.people_table
    note = ""
    if len(table) > MAX_REPORT_ROWS:
        note = HEADINGS[download.lang]["truncated"].format(n=MAX_REPORT_ROWS, total=len(table))
        table = table.head(MAX_REPORT_ROWS)
    header = [str(c) for c in table.columns]
    return header, [[_text(v) for v in row] for row in table.itertuples(index=False)], note


def _picture(download: Download) -> bytes | None:
    return download.image("png") if download.image is not None else None


def write_docx(download: Download) -> bytes:
    words = HEADINGS[download.lang]
    document = new_docx()
    document.add_heading(download.title, level=1)
    picture = _picture(download)
    if picture:
        document.add_picture(io.BytesIO(picture), width=Cm(16))
    document.add_heading(words["table"], level=2)
    header, rows, note = _rows(download)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    _add_docx_rows(table, rows)
    if note:
        document.add_paragraph(note)
    document.add_heading(words["sources"], level=2)
    for line in (*download.sources, *download.notes, download.attribution):
        if line:
            paragraph = document.add_paragraph(line, style="List Bullet")
            for run in paragraph.runs:
                run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_docx_rows(table: DocxTable, rows: list[list[str]]) -> None:
    """Append `rows` to `table` as copies of its first row with the text replaced: building
    each cell through python-docx's object model took 3 s for the 196 provincias."""
    template = table.rows[0]._tr
    for row in rows:
        tr = copy.deepcopy(template)
        for tc, text in zip(tr.tc_lst, row, strict=True):
            runs = tc.xpath(".//w:t")
            if runs and text.isprintable() and text == text.strip():
                runs[0].text = text
            else:  # tabs, line breaks, edge blanks: python-docx writes <w:tab/>, <w:br/>...
                _Cell(tc, table).text = text
        template.getparent().append(tr)


def column_widths(
    header: list[str], rows: list[list[str]], style: ParagraphStyle, available: float
) -> list[float]:
    """Each column as wide as its longest text (a header only as wide as its longest word);
    when they do not fit in `available`, the widest columns share what the others leave and
    their text wraps."""

    def width(text: str) -> float:
        return float(stringWidth(text, style.fontName, style.fontSize)) + CELL_PADDING

    natural = [
        max([width(word) for word in name.split()] + [width(row[i]) for row in rows])
        for i, name in enumerate(header)
    ]
    if sum(natural) <= available:
        return natural
    rest = available
    for i, need in enumerate(sorted(natural)):
        cap = rest / (len(natural) - i)
        if need > cap:
            return [min(n, cap) for n in natural]
        rest -= need
    return natural


def _pdf_cell(text: str, column_width: float, style: ParagraphStyle) -> str | Paragraph:
    """Plain text when it fits on one line (a Paragraph per cell cost 2 s of the provincias'
    4 s), else a Paragraph that wraps."""
    if stringWidth(text, style.fontName, style.fontSize) + CELL_PADDING <= column_width:
        return text
    return Paragraph(escape(text), style)


def write_pdf(download: Download) -> bytes:
    words = HEADINGS[download.lang]
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=download.title,
        author="SIEP-Perú",
        leftMargin=1.2 * cm,
        rightMargin=1.2 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
    )
    story: list[Any] = [Paragraph(download.title, styles["Title"])]
    picture = _picture(download)
    if picture:
        image = PdfImage(io.BytesIO(picture))
        ratio = min(24 * cm / image.imageWidth, 14 * cm / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * ratio, image.imageHeight * ratio
        story += [image, Spacer(1, 0.4 * cm)]
    header, rows, note = _rows(download)
    story.append(Paragraph(words["table"], styles["Heading2"]))
    widths = column_widths(header, rows, small, doc.width)
    data: list[list[Any]] = [[Paragraph(escape(h), small) for h in header]]
    data += [[_pdf_cell(v, w, small) for v, w in zip(row, widths, strict=True)] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), small.fontName, small.fontSize, small.leading),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if note:
        story.append(Paragraph(note, styles["BodyText"]))
    story.append(Paragraph(words["sources"], styles["Heading2"]))
    for line in (*download.sources, *download.notes, download.attribution):
        if line:
            story.append(Paragraph(line.replace("&", "&amp;").replace("<", "&lt;"), small))
    doc.build(story)
    return buffer.getvalue()
