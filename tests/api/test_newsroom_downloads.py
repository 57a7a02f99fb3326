"""Table downloads ready for a newsroom (issue 14, point 4), read back with openpyxl and csv."""

from __future__ import annotations

import csv
import io

import docx
import openpyxl
from fastapi.testclient import TestClient

from app.exports.layout import UNIT_TEXT

MAP = {"indicator": "tb_rate", "level": "oficina_regional", "period": "2024"}


def _get(client: TestClient, **params: str) -> bytes:
    response = client.get("/api/v1/choropleth", params={**MAP, **params})
    assert response.status_code == 200, response.text
    return response.content


def _csv(client: TestClient, **params: str) -> list[dict[str, str]]:
    text = _get(client, f="csv", **params).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx(client: TestClient, **params: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_get(client, f="xlsx", **params)))


def test_xlsx_has_spanish_headers_sorted_rounded_values_and_no_technical_columns(
    shipped_client: TestClient,
) -> None:
    book = _xlsx(shipped_client)
    rows = list(book["datos"].iter_rows(values_only=True))
    header, body = rows[2], [r for r in rows[3:] if any(v is not None for v in r)]
    assert header[:7] == (
        "Lugar",
        "Código",
        "Valor (por 100 000)",
        "Numerador",
        "Denominador",
        "Periodo",
        "Estado",
    )
    assert not {"class", "color", "Clase", "Color", "display"} & set(header)
    values = [r[2] for r in body if r[2] is not None]
    assert values == sorted(values, reverse=True) and len(values) >= 2
    assert all(round(v, 1) == v for v in values)
    lima = next(r for r in body if r[1] == "OR-LIMA")
    assert lima[3] == 2868 and isinstance(lima[3], int) and lima[5] == "2024"
    assert lima[6] == "publicado"
    missing = [i for i, r in enumerate(body) if r[2] is None]
    assert all(i >= len(values) for i in missing)  # places without a value come last


def test_xlsx_sources_sheet_lists_publications_and_how_to_cite(
    shipped_client: TestClient,
) -> None:
    lines = [r[0] for r in _xlsx(shipped_client)["fuentes"].iter_rows(values_only=True) if r[0]]
    assert lines[0] == "Fuentes"
    assert any("Informe Estadístico de Tratamiento Penitenciario 2024" in line for line in lines)
    assert any(line.startswith("Cómo citar: ") and "versión de datos" in line for line in lines)
    assert not any("seeds/" in line for line in lines)


def test_english_headers_and_sheets_with_lang_en(shipped_client: TestClient) -> None:
    book = _xlsx(shipped_client, lang="en")
    header = next(book["data"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert header[:6] == (
        "Place",
        "Code",
        "Value (per 100,000)",
        "Numerator",
        "Denominator",
        "Period",
    )
    lines = [r[0] for r in book["sources"].iter_rows(values_only=True) if r[0]]
    assert lines[0] == "Sources" and any(line.startswith("How to cite: ") for line in lines)
    rows = _csv(shipped_client, lang="en")
    assert rows[0]["Status"] in {"published", "no data", "withheld (few cases)"}


def test_csv_rounds_as_displayed_unless_raw(shipped_client: TestClient) -> None:
    shown = {r["Código"]: r for r in _csv(shipped_client)}
    raw = {r["Código"]: r for r in _csv(shipped_client, raw="true")}
    geojson = shipped_client.get("/api/v1/choropleth", params=MAP).json()
    exact = {f["id"]: f["properties"] for f in geojson["features"]}
    lima_shown = shown["OR-LIMA"]["Valor (por 100 000)"]
    assert lima_shown == f"{exact['OR-LIMA']['value']:.1f}"
    assert exact["OR-LIMA"]["display"] == f"{float(lima_shown):,.1f}"
    assert float(raw["OR-LIMA"]["Valor (por 100 000)"]) == exact["OR-LIMA"]["value"]
    assert shown["OR-LIMA"]["Numerador"] == "2868"


def test_counts_are_whole_numbers_and_withheld_cells_say_their_range(
    shipped_client: TestClient,
) -> None:
    rows = _csv(shipped_client, indicator="tb_cases", level="departamento")
    lima = next(r for r in rows if r["Código"] == "15")
    assert lima["Valor (casos)"].isdigit() and lima["Establecimientos sumados"].isdigit()
    amazonas = next(r for r in rows if r["Código"] == "01")
    assert amazonas["Valor (casos)"] == "" and amazonas["Estado"] == "reservado (1-4 casos)"
    statuses = [r["Estado"] for r in rows]
    assert statuses.index("reservado (1-4 casos)") > max(
        i for i, s in enumerate(statuses) if s == "publicado"
    )


def test_columns_all_adds_the_technical_columns(shipped_client: TestClient) -> None:
    header = list(_csv(shipped_client, columns="all")[0])
    assert {"Clase", "Color", "Valor mostrado"} <= set(header)
    assert header[:2] == ["Lugar", "Código"]
    response = shipped_client.get(
        "/api/v1/choropleth", params={**MAP, "f": "csv", "columns": "some"}
    )
    assert response.status_code == 400 and "columns" in response.text


def test_docx_table_uses_the_same_layout(shipped_client: TestClient) -> None:
    document = docx.Document(io.BytesIO(_get(shipped_client, f="docx")))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Lugar", "Código", "Valor (por 100 000)"]
    assert "Clase" not in [c.text for c in table.rows[0].cells]


def test_geojson_and_gis_keep_machine_columns(shipped_client: TestClient) -> None:
    feature = shipped_client.get("/api/v1/choropleth", params=MAP).json()["features"][0]
    assert {"class", "color", "value"} <= set(feature["properties"])


def test_establishment_and_observation_downloads_have_headers_by_lang(
    shipped_client: TestClient,
) -> None:
    def header(url: str, **params: str) -> tuple[str, ...]:
        response = shipped_client.get(url, params={"f": "xlsx", **params})
        assert response.status_code == 200, response.text
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))

    assert header("/api/v1/establishments")[:2] == ("Código", "Lugar")
    assert header("/api/v1/establishments", lang="en")[:2] == ("Code", "Place")
    detail = header("/api/v1/establishments/EP-LURIGANCHO", lang="en")
    assert detail[:4] == ("Indicator", "Period", "Breakdown", "Value")
    observations = header("/api/v1/observations", indicator="population", limit="20")
    assert observations[:4] == ("Indicador", "Tipo de lugar", "Código del lugar", "Periodo")
    bad = shipped_client.get("/api/v1/observations", params={"f": "csv", "lang": "fr"})
    assert bad.status_code == 400


def test_a_yes_no_indicator_reads_si_or_no(shipped_client: TestClient) -> None:
    geojson = shipped_client.get(
        "/api/v1/choropleth", params={"indicator": "overcrowded", "level": "oficina_regional"}
    ).json()
    shown = {f["id"]: f["properties"]["display"] for f in geojson["features"]}
    rows = _csv(shipped_client, indicator="overcrowded", period=geojson["period"])
    value = next(c for c in rows[0] if c.startswith("Valor"))
    with_data = {r["Código"]: r[value] for r in rows if r[value]}
    assert with_data and set(with_data.values()) <= {"Sí", "No"}
    assert all(shown[code] == text for code, text in with_data.items())


def test_every_unit_of_the_catalogue_reads_in_english(shipped_client: TestClient) -> None:
    indicators = shipped_client.get("/api/v1/indicators").json()["indicators"]
    units = {i["unit"] for i in indicators if i["unit"]}
    assert units and units <= set(UNIT_TEXT["en"]), units - set(UNIT_TEXT["en"])
    rows = _csv(shipped_client, indicator="tb_cases", level="departamento", lang="en")
    assert "Value (cases)" in rows[0]
    spanish = _csv(shipped_client, indicator="tb_cases", level="departamento")
    assert "Valor (casos)" in spanish[0]


def _table(client: TestClient, url: str, **params: str) -> list[dict[str, str]]:
    response = client.get(url, params={"f": "csv", **params})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_observation_downloads_round_as_displayed_unless_raw(shipped_client: TestClient) -> None:
    url = "/api/v1/observations"
    params = {"indicator": "IOP.01.02", "limit": "200"}  # printed with two decimals
    shown = _table(shipped_client, url, **params)
    raw = _table(shipped_client, url, raw="true", **params)
    assert len(shown) == len(raw) and shown
    assert all(_decimals(r["Valor"]) <= 1 for r in shown)
    assert any(_decimals(r["Valor"]) > 1 for r in raw), "the raw table keeps full precision"
    for a, b in zip(shown, raw, strict=True):
        if b["Valor"]:
            assert float(a["Valor"]) == round(float(b["Valor"]), 1)
    counts = _table(shipped_client, url, indicator="population", limit="50")
    assert all(r["Valor"].isdigit() for r in counts if r["Valor"])  # 2271, not 2271.0


def test_establishment_downloads_largest_first_and_rounded(shipped_client: TestClient) -> None:
    rows = _table(shipped_client, "/api/v1/establishments", lang="en")
    people = [int(r["Population"]) for r in rows if r["Population"]]
    assert people == sorted(people, reverse=True) and len(people) > 20
    assert all(not r["Population"] for r in rows[len(people) :])  # without a figure: last
    detail = _table(shipped_client, "/api/v1/establishments/EP-LURIGANCHO")
    assert detail and all(_decimals(r["Valor"]) <= 1 for r in detail)
    assert any(r["Valor"].isdigit() for r in detail)
