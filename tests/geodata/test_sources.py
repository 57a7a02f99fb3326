"""Published sources: every figure names a document with publisher, title and year, and no
answer or download of the server shows a text extract (`seeds/...`) as the source."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.sources import read_documents

G = Path(__file__).resolve().parents[2] / "geodata"
DOCS = read_documents(G)


def _rows() -> pd.DataFrame:
    frames = [
        pd.read_csv(f, dtype=str, keep_default_na=False) for f in G.glob("observations/*.csv")
    ]
    return pd.concat(frames, ignore_index=True)


def test_every_document_has_publisher_title_and_terms() -> None:
    assert len(DOCS) >= 10
    for doc in DOCS.values():
        assert doc.publisher and doc.title and doc.terms, doc
        assert not doc.url or doc.url.startswith("https://"), doc


def test_every_dataset_and_figure_points_at_a_dated_publication() -> None:
    datasets = yaml.safe_load((G / "datasets.yaml").read_text("utf-8"))["datasets"]
    for entry in datasets:
        doc = DOCS[entry["source_document"]]
        assert doc.publisher and doc.title, entry["file"]
        rows = pd.read_csv(G / entry["file"], dtype=str, keep_default_na=False)
        for document in set(rows["source_document"]):
            assert DOCS[document].year, (entry["file"], document)
        assert (rows["source_locator"] != "").all(), entry["file"]
    for name in ("establishments.csv", "indicators_policy.csv"):
        table = pd.read_csv(G / name, dtype=str, keep_default_na=False)
        assert set(table["source_document"]) <= set(DOCS), name


def test_no_shipped_file_names_an_extract_as_the_source() -> None:
    for path in G.rglob("*"):
        if path.is_file() and path.name not in ("sources.yaml", "README.md"):
            if path.suffix in (".csv", ".yaml", ".geojson"):
                assert "seeds/" not in path.read_text("utf-8"), path


def test_extract_lines_stay_as_trace() -> None:
    rows = _rows()
    seeded = rows[rows["source_document"] == "inpe-itp-2024"]
    assert len(seeded) > 1000
    assert DOCS["inpe-itp-2024"].extract.startswith("seeds/002_")


@pytest.fixture(scope="module")
def client(shipped_client: TestClient) -> TestClient:
    return shipped_client


def _shown(value: Any) -> Iterator[str]:
    """Every string of a JSON answer except the reproducibility `trace` fields."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "trace":
                yield from _shown(item)
    elif isinstance(value, list):
        for item in value:
            yield from _shown(item)
    elif isinstance(value, str):
        yield value


JSON_ANSWERS = [
    "/api/v1/indicators",
    "/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024",
    "/api/v1/choropleth?indicator=population&level=departamento&period=2024-12",
    "/api/v1/choropleth?indicator=capacity&level=establishment&period=2016-09",
    "/api/v1/series?indicator=population&place=PE",
    "/api/v1/series?indicator=hiv_cases&place=OR-LIMA",
    "/api/v1/establishments/EP-LURIGANCHO",
    "/api/v1/observations?indicator=population&limit=500",
    "/api/v1/observations?indicator=capacity&limit=500",
    "/api/v1/policy-indicators",
    "/ogc/collections/establecimientos_penitenciarios/items?limit=100&f=json",
    "/ogc/collections/distritos/items?limit=20&f=json",
]


@pytest.mark.parametrize("url", JSON_ANSWERS)
def test_json_answers_show_publications(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    shown = list(_shown(body))
    assert not [s for s in shown if "seeds/" in s], url
    if "sources" in json.dumps(body):
        assert any("Instituto Nacional Penitenciario" in s or "MINJUSDH" in s for s in shown)


DOWNLOADS = [
    ("/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024", "csv"),
    ("/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024", "xlsx"),
    ("/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024", "docx"),
    ("/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024", "pdf"),
    ("/api/v1/series?indicator=population&place=PE", "csv"),
    ("/api/v1/series?indicator=population&place=PE", "xlsx"),
    ("/api/v1/establishments/EP-LURIGANCHO", "csv"),
    ("/api/v1/establishments/EP-LURIGANCHO", "xlsx"),
    ("/api/v1/observations?indicator=population&limit=200", "csv"),
    ("/api/v1/policy-indicators", "xlsx"),
]


def _text(content: bytes, fmt: str) -> str:
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        return "\n".join(p.text for p in document.paragraphs)
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8")


@pytest.mark.parametrize(("url", "fmt"), DOWNLOADS)
def test_downloads_cite_publications(client: TestClient, url: str, fmt: str) -> None:
    response = client.get(url + ("&" if "?" in url else "?") + f"f={fmt}")
    assert response.status_code == 200, response.text
    text = _text(response.content, fmt)
    assert "seeds/" not in text
    assert "Instituto Nacional Penitenciario" in text or "MINJUSDH" in text, (url, fmt)


def test_every_view_says_how_to_cite_it(client: TestClient) -> None:
    url = "/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024"
    body = client.get(url).json()
    version = body["data_version"]
    cite = body["how_to_cite"]
    assert "Informe Estadístico de Tratamiento Penitenciario 2024" in cite
    # TestClient's requests reach http://testserver: the permanent link is the URL asked
    assert cite.endswith(f"SIEP-Perú, versión de datos {version}, http://testserver{url}")
    document = docx.Document(io.BytesIO(client.get(url + "&f=docx").content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Cómo citar:" in text and f"versión de datos {version}" in text
