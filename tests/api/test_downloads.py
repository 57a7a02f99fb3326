from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
import pyogrio
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

MAP = {"indicator": "tb_rate", "level": "oficina_regional", "period": "2024"}
STEM = "siep_tb_rate_oficina_regional_2024"


def _get(client: TestClient, fmt: str, params: dict | None = None) -> bytes:
    response = client.get("/api/v1/choropleth", params={**(params or MAP), "f": fmt})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert STEM in disposition or params is not None
    return response.content


def test_xlsx_opens_in_openpyxl_with_the_figures(shipped_client: TestClient) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_get(shipped_client, "xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[2]
    lima = next(r for r in rows[3:] if r[header.index("Código")] == "OR-LIMA")
    assert lima[header.index("Numerador")] == 2868
    assert "fuentes" in book.sheetnames


def test_docx_report_has_title_map_table_and_sources(shipped_client: TestClient) -> None:
    document = docx.Document(io.BytesIO(_get(shipped_client, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Tasa de tuberculosis" in text and "Informe Estadístico de Tratamiento" in text
    assert "seeds/" not in text
    assert len(document.inline_shapes) == 1
    assert any(cell.text == "OR-LIMA" for cell in document.tables[0].columns[1].cells)


def test_pdf_report_reads_back_with_pypdf(shipped_client: TestClient) -> None:
    reader = PdfReader(io.BytesIO(_get(shipped_client, "pdf")))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "OR-LIMA" in text and "2,868" in text and "Fuentes" in text


@pytest.mark.parametrize(("fmt", "kind"), [("png", "PNG"), ("jpg", "JPEG")])
def test_map_pictures_are_real_images(shipped_client: TestClient, fmt: str, kind: str) -> None:
    image = Image.open(io.BytesIO(_get(shipped_client, fmt)))
    assert image.format == kind and image.width > 800
    colours = {c for _, c in image.convert("RGB").getcolors(1 << 20)}
    assert (0xBD, 0x00, 0x26) in colours  # the darkest YlOrRd class is drawn


def test_html_map_works_offline(shipped_client: TestClient) -> None:
    page = _get(shipped_client, "html").decode()
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert "L.map" in page and "OR-LIMA" in page and "Leaflet" in page


@pytest.mark.parametrize(("fmt", "driver_suffix"), [("gpkg", ".gpkg"), ("kml", ".kml")])
def test_gis_files_open_with_gdal(
    shipped_client: TestClient, tmp_path, fmt: str, driver_suffix: str
) -> None:
    path = tmp_path / f"map{driver_suffix}"
    path.write_bytes(_get(shipped_client, fmt))
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 8 and frame.crs.to_epsg() == 4326


def test_zipped_shapefile_opens_with_gdal(shipped_client: TestClient, tmp_path) -> None:
    archive = zipfile.ZipFile(io.BytesIO(_get(shipped_client, "shp")))
    assert {n.rsplit(".", 1)[1] for n in archive.namelist()} >= {"shp", "shx", "dbf", "prj"}
    archive.extractall(tmp_path)
    frame = pyogrio.read_dataframe(tmp_path / f"{STEM}.shp")
    assert dict(zip(frame["code"], frame["numerator"], strict=True))["OR-LIMA"] == 2868


def test_csv_is_utf8_with_a_named_attachment(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/v1/choropleth", params={**MAP, "f": "csv"})
    assert response.headers["content-disposition"] == f'attachment; filename="{STEM}.csv"'
    assert "Oficina Regional Nor Oriente San Martín" in response.content.decode("utf-8-sig")
