from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from PIL import Image

from app.codes import parse_period

# seeds/002: EVOLUCIÓN DE LA POBLACIÓN PENAL ENTRE LA CAPACIDAD DE ALBERGUE: 2013 - 2024
PRINTED_NATIONAL_POPULATION = {"2013": 67597, "2014": 71961}


def test_indicator_catalogue_lists_levels_periods_and_sources(shipped_client: TestClient) -> None:
    body = shipped_client.get("/api/v1/indicators").json()
    items = {i["code"]: i for i in body["indicators"]}
    assert {"population", "tb_rate", "overcrowded", "medio_libre_population"} <= set(items)
    tb = items["tb_rate"]
    assert tb["label"] == "Tasa de tuberculosis por 100 000" and tb["is_sensitive"]
    assert "oficina_regional" in tb["levels"] and "2024" in tb["periods"] and tb["sources"]
    english = shipped_client.get("/api/v1/indicators", params={"lang": "en"}).json()
    assert english["indicators"][0]["label"] == "Prison population"


def test_national_series_2013_2024(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        "/api/v1/series",
        params={
            "indicator": "population",
            "place": "PE",
            "from": "2013",
            "to": "2024",
            "granularity": "year",
        },
    ).json()
    points = {p["period"]: p["value"] for p in body["points"]}
    assert list(points) == [str(y) for y in range(2013, 2025)]
    for year, value in PRINTED_NATIONAL_POPULATION.items():
        assert points[year] == value


def test_series_chart_is_a_png(shipped_client: TestClient) -> None:
    response = shipped_client.get(
        "/api/v1/series", params={"indicator": "population", "granularity": "year", "f": "png"}
    )
    assert Image.open(io.BytesIO(response.content)).format == "PNG"


def test_series_of_an_unknown_place_is_rejected(shipped_client: TestClient) -> None:
    assert (
        shipped_client.get(
            "/api/v1/series", params={"indicator": "population", "place": "XX"}
        ).status_code
        == 400
    )
    assert (
        shipped_client.get(
            "/api/v1/series", params={"indicator": "population", "place": "99"}
        ).status_code
        == 404
    )


def test_establishments_filter_by_kind_region_and_bbox(shipped_client: TestClient) -> None:
    lima = shipped_client.get(
        "/api/v1/establishments", params={"kind": "ep", "oficina_regional": "OR-LIMA"}
    ).json()
    assert lima["features"] and all(
        f["properties"]["oficina_regional"] == "OR-LIMA" for f in lima["features"]
    )
    boxed = shipped_client.get(
        "/api/v1/establishments", params={"bbox": "-77.2,-12.2,-76.8,-11.8"}
    ).json()
    codes = {f["id"] for f in boxed["features"]}
    assert "EP-LURIGANCHO" in codes
    bad = shipped_client.get("/api/v1/establishments", params={"oficina_regional": "OR-X"})
    assert bad.status_code == 400 and "OR-LIMA" in bad.json()["detail"]


def test_establishment_detail_has_figures_with_sources_and_suppression(
    shipped_client: TestClient,
) -> None:
    body = shipped_client.get("/api/v1/establishments/EP-LURIGANCHO").json()
    figures = body["properties"]["figures"]
    tb = next(
        v for v in figures["tb_cases"]["values"] if v["period"] == "2024" and not v["dimensions"]
    )
    assert tb["value"] == 770 and tb["source"]["locator"] == "line 4813"
    assert shipped_client.get("/api/v1/establishments/EP-NOWHERE").status_code == 404


def test_observations_are_paged_and_carry_provenance(shipped_client: TestClient) -> None:
    first = shipped_client.get(
        "/api/v1/observations",
        params={"indicator": "tb_cases", "level": "oficina_regional", "limit": 5},
    ).json()
    assert (
        first["number_returned"] == 5 and first["next_offset"] == 5 and first["number_matched"] > 5
    )
    assert all(o["source_document"] and o["source_locator"] for o in first["observations"])
    assert shipped_client.get("/api/v1/observations", params={"limit": 100000}).status_code == 422


def test_observations_csv_hides_small_sensitive_counts(shipped_client: TestClient) -> None:
    text = shipped_client.get(
        "/api/v1/observations",
        params={
            "indicator": "tb_cases",
            "level": "establishment",
            "limit": 10000,
            "f": "csv",
            "lang": "en",
        },
    ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    suppressed = [r for r in rows if r["Status"].startswith("withheld")]
    assert suppressed and all(r["Value"] == "" and r["Note"] == "1-4" for r in suppressed)
    assert all(r["Value"] == "" or float(r["Value"]) == 0 or float(r["Value"]) >= 5 for r in rows)


def test_observations_filter_by_dimension(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        "/api/v1/observations", params={"indicator": "population", "sex": "F", "limit": 50}
    ).json()
    assert body["observations"] and all(
        o["dimensions"].get("sex") == "F" for o in body["observations"]
    )
    assert shipped_client.get("/api/v1/observations", params={"sex": "X"}).status_code == 400


def test_policy_indicators_reproduce_the_printed_progress(shipped_client: TestClient) -> None:
    body = shipped_client.get("/api/v1/policy-indicators").json()
    items = {i["code"]: i for i in body["indicators"]}
    y2020 = {y["year"]: y for y in items["IOP.01.02"]["years"]}["2020"]
    assert (y2020["expected"], y2020["obtained"]) == (37.0, 34.0)
    assert round(y2020["progress_pct"]) == 92  # seeds/003 prints 92 %
    medio_libre = {y["year"]: y for y in items["IOP.04.03"]["years"]}["2020"]
    assert round(medio_libre["progress_pct"]) == 40  # seeds/003 prints 40 %
    assert medio_libre["traffic_light"] == "rojo" and y2020["traffic_light"] == "verde"
    assert items["IOP.01.02"]["baseline"] == 37.0


def test_indicator_catalogue_gives_periods_and_default_period_by_level(
    shipped_client: TestClient,
) -> None:
    items = {i["code"]: i for i in shipped_client.get("/api/v1/indicators").json()["indicators"]}
    population = items["population"]
    by_level = population["periods_by_level"]
    assert "2013" in population["periods"] and "2013" not in by_level["departamento"]
    assert {"2012-06", "2024-12"} <= set(by_level["departamento"])
    assert set(by_level) == set(population["levels"])
    for level, periods in by_level.items():
        assert set(periods) <= set(population["periods"])
        assert population["default_period_by_level"][level] == periods[-1]
    # Capacity is printed per oficina regional, and per E.P. only in partial tables: no
    # overpopulation by departamento may be made up from them.
    overpopulation = items["overpopulation_pct"]["periods_by_level"]
    assert "oficina_regional" in overpopulation and "departamento" not in overpopulation
    # The choropleth's default period is the catalogue's default for the level.
    for level in ("oficina_regional",):
        body = shipped_client.get(
            "/api/v1/choropleth", params={"indicator": "overpopulation_pct", "level": level}
        ).json()
        assert body["period"] == items["overpopulation_pct"]["default_period_by_level"][level]
        assert any(f["properties"]["value"] is not None for f in body["features"])


def test_indicator_catalogue_csv_flattens_periods_by_level(shipped_client: TestClient) -> None:
    text = shipped_client.get("/api/v1/indicators", params={"f": "csv"}).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["code"] == "population")
    assert "departamento: 2012-06" in row["periods_by_level"]


def test_choropleth_summed_places_cite_their_sources(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        "/api/v1/choropleth",
        params={"indicator": "population", "level": "departamento", "period": "2024-12"},
    ).json()
    summed = [f for f in body["features"] if f["properties"]["method"] == "sum_of_establishments"]
    assert summed and all(f["properties"]["sources"] for f in summed)
    assert all(
        {"dataset", "document", "table", "locator"} <= set(s)
        for f in summed
        for s in f["properties"]["sources"]
    )


def test_departamento_series_has_published_and_summed_points(shipped_client: TestClient) -> None:
    """Junín (12): totals printed for 2012-06 and 2013-10 (seed table by departamento, E.P.
    and age band); 2024-12 is a sum of the complete E.P. table. The 2016-09 page lists only
    some E.P., so it gives no Junín total."""
    body = shipped_client.get("/api/v1/series", params={"indicator": "population", "place": "12"})
    points = {p["period"]: p for p in body.json()["points"]}
    assert {"2012-06", "2013-10", "2024-12"} <= set(points)
    assert "2016-09" not in points
    assert points["2012-06"]["method"] == "published" and points["2012-06"]["value"] == 2408
    assert points["2012-06"]["n_establishments"] is None
    summed = points["2024-12"]
    assert summed["method"] == "sum_of_establishments" and summed["n_establishments"] >= 1
    assert summed["sources"] and summed["sources"][0]["document"]


def test_series_only_has_periods_with_a_value_for_the_place(shipped_client: TestClient) -> None:
    """Lima (15) has no departamento total and no establishment figures before 2024-12 in
    the data, so the series must not invent earlier points."""
    body = shipped_client.get("/api/v1/series", params={"indicator": "population", "place": "15"})
    points = body.json()["points"]
    assert [p["period"] for p in points] == ["2024-12"]
    assert points[0]["n_establishments"] > 1 and points[0]["sources"]


def test_establishments_carry_their_latest_population_and_capacity(
    shipped_client: TestClient,
) -> None:
    body = shipped_client.get("/api/v1/establishments").json()
    props = {f["id"]: f["properties"] for f in body["features"]}
    lurigancho = props["EP-LURIGANCHO"]
    latest = lurigancho["latest"]["population"]
    assert lurigancho["population"] == latest["value"] > 0
    assert lurigancho["population_period"] == latest["period"] == "2024-12"
    assert latest["source"]["document"] and latest["source"]["locator"]
    # The same figure as the establishment-level map of that period.
    ep_map = shipped_client.get(
        "/api/v1/choropleth",
        params={"indicator": "population", "level": "establishment", "period": "2024-12"},
    ).json()
    mapped = next(f for f in ep_map["features"] if f["id"] == "EP-LURIGANCHO")
    assert mapped["properties"]["value"] == lurigancho["population"]
    with_capacity = [p for p in props.values() if p["capacity"] is not None]
    assert with_capacity and all(p["latest"]["capacity"]["period"] for p in with_capacity)
    assert all(p["population"] is None for p in props.values() if p["kind"] == "eml")


def test_establishments_csv_has_population_columns(shipped_client: TestClient) -> None:
    text = shipped_client.get("/api/v1/establishments", params={"f": "csv"}).content.decode(
        "utf-8-sig"
    )
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["Código"] == "EP-LURIGANCHO")
    assert int(row["Población"]) > 0 and row["Periodo de la población"] == "2024-12"


def test_a_series_has_one_granularity_and_lists_its_gaps(shipped_client: TestClient) -> None:
    body = shipped_client.get("/api/v1/series", params={"indicator": "population"}).json()
    granularity = body["granularity"]
    assert granularity in {"month", "quarter", "year"}
    periods = [p["period"] for p in body["points"]]
    assert periods and all(parse_period(p).granularity == granularity for p in periods)
    assert set(body["missing_periods"]).isdisjoint(periods)
    assert all(periods[0] < p < periods[-1] for p in body["missing_periods"])
    months = shipped_client.get(
        "/api/v1/series", params={"indicator": "population", "granularity": "month"}
    ).json()
    assert months["granularity"] == "month"
    assert all(parse_period(p["period"]).granularity == "month" for p in months["points"])


def test_a_series_with_no_point_in_the_range_is_empty_not_an_error(
    shipped_client: TestClient,
) -> None:
    # EP-LURIGANCHO has no capacity figure of its own, so no overpopulation series (a 500
    # when a `from` bound met the empty series).
    for params in (
        {"indicator": "overpopulation", "place": "EP-LURIGANCHO", "from": "2010-01"},
        {"indicator": "population", "place": "PE", "from": "2090", "to": "2091"},
    ):
        for f in ("json", "csv"):
            response = shipped_client.get("/api/v1/series", params={**params, "f": f})
            assert response.status_code == 200, response.text
        body = shipped_client.get("/api/v1/series", params=params).json()
        assert body["points"] == [] and body["missing_periods"] == []
