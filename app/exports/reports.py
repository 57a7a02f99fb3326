"""DOCX and PDF reports: title, picture (map or chart), table, sources and attribution."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from docx import Document as new_docx
from docx.shared import Cm, Pt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.exports.download import Download

MAX_REPORT_ROWS = 500
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
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
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
    data = [[Paragraph(h, small) for h in header]]
    data += [[Paragraph(v, small) for v in row] for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
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
