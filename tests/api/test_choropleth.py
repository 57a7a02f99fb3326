from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings

# INPE, Informe Estadístico 2024 (seeds/002), TB cases by oficina regional, year 2024.
PRINTED_TB_2024 = {
    "OR-LIMA": 2868,
    "OR-NORTE": 661,
    "OR-SUR": 106,
    "OR-CENTRO": 28,
    "OR-ORIENTE": 227,
    "OR-SURORIENTE": 56,
    "OR-NORORIENTE": 106,
    "OR-ALTIPLANO": 0,
}
# Same document, población penal by oficina regional, December 2024.
PRINTED_POPULATION_2024_12 = {"OR-LIMA": 46136, "OR-NORTE": 19249, "OR-ALTIPLANO": 2767}
URL = "/api/v1/choropleth"


def _props(body: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in body["features"]}


def test_tb_cases_by_oficina_regional_match_the_printed_table(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        URL, params={"indicator": "tb_cases", "level": "oficina_regional", "period": "2024"}
    ).json()
    props = _props(body)
    assert {code: p["value"] for code, p in props.items()} == PRINTED_TB_2024
    assert sum(PRINTED_TB_2024.values()) == 4052  # the printed national total
    assert all(p["sources"] and p["status"] == "ok" for p in props.values())


def test_tb_rate_is_recomputed_from_summed_counts_and_population(
    shipped_client: TestClient,
) -> None:
    body = shipped_client.get(
        URL, params={"indicator": "tb_rate", "level": "oficina_regional", "period": "2024"}
    ).json()
    lima = _props(body)["OR-LIMA"]
    assert (
        lima["numerator"] == 2868 and lima["denominator"] == PRINTED_POPULATION_2024_12["OR-LIMA"]
    )
    assert lima["value"] == pytest.approx(2868 / 46136 * 100000)
    assert body["denominator_period"] == "2024-12"
    assert lima["display"] == "6,216.4"


def test_every_place_is_present_and_missing_ones_say_so(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        URL, params={"indicator": "population", "level": "provincia", "period": "2024-12"}
    ).json()
    assert len(body["features"]) == 196
    missing = [f["properties"] for f in body["features"] if f["properties"]["status"] == "missing"]
    assert missing and all(p["value"] is None and p["display"] == "Sin datos" for p in missing)
    assert all(
        p["class"] is None and p["color"] == body["legend"]["missing"]["color"] for p in missing
    )
    assert body["legend"]["missing"]["count"] == len(missing)


def test_legend_counts_add_up_and_colours_match(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        URL,
        params={
            "indicator": "population",
            "level": "departamento",
            "period": "2024-12",
            "method": "jenks",
            "classes": 4,
            "palette": "Blues",
        },
    ).json()
    legend = body["legend"]
    assert legend["method"] == "jenks" and len(legend["classes"]) == 4
    classified = [f["properties"] for f in body["features"] if f["properties"]["class"] is not None]
    assert sum(c["count"] for c in legend["classes"]) == len(classified)
    for p in classified:
        assert p["color"] == legend["classes"][p["class"]]["color"]


def test_manual_breaks_classify_by_the_given_limits(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        URL,
        params={
            "indicator": "population",
            "level": "departamento",
            "period": "2024-12",
            "method": "manual",
            "breaks": "2000,5000",
        },
    ).json()
    lima = _props(body)["15"]
    assert lima["value"] == 30003 and lima["class"] == 2


def test_small_tb_counts_are_suppressed_below_the_oficina_regional(
    shipped_client: TestClient,
) -> None:
    body = shipped_client.get(
        URL, params={"indicator": "tb_cases", "level": "departamento", "period": "2024"}
    ).json()
    suppressed = [
        f["properties"] for f in body["features"] if f["properties"]["status"] == "suppressed"
    ]
    assert suppressed, "Amazonas printed fewer than 5 cases"
    assert all(
        p["value"] is None and p["display"] == "1-4" and p["class"] is None for p in suppressed
    )
    csv = shipped_client.get(
        URL, params={"indicator": "tb_cases", "level": "departamento", "period": "2024", "f": "csv"}
    ).text
    amazonas = next(line for line in csv.splitlines() if line.startswith("Amazonas,01,"))
    assert ",reservado (1-4 casos)," in amazonas


def test_rates_from_suppressed_counts_are_suppressed(shipped_client: TestClient) -> None:
    counts = _props(
        shipped_client.get(
            URL, params={"indicator": "tb_cases", "level": "departamento", "period": "2024"}
        ).json()
    )
    rates = _props(
        shipped_client.get(
            URL, params={"indicator": "tb_rate", "level": "departamento", "period": "2024"}
        ).json()
    )
    for code, p in counts.items():
        if p["status"] == "suppressed":
            assert rates[code]["status"] == "suppressed" and rates[code]["value"] is None
            assert rates[code]["numerator"] is None


def test_english_labels_with_lang_en(shipped_client: TestClient) -> None:
    body = shipped_client.get(
        URL, params={"indicator": "tb_rate", "level": "oficina_regional", "lang": "en"}
    ).json()
    assert body["indicator"]["label"] == "Tuberculosis rate per 100,000"


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"indicator": "nope"}, "tb_rate"),
        ({"indicator": "tb_rate", "level": "pais"}, "oficina_regional"),
        ({"indicator": "tb_rate", "period": "2019"}, "2024-Q1"),
        ({"indicator": "tb_rate", "period": "20x"}, "YYYY"),
        ({"indicator": "tb_rate", "classes": "12"}, "from 2 to 9"),
        ({"indicator": "tb_rate", "method": "manual"}, "breaks"),
        ({"indicator": "tb_rate", "method": "manual", "breaks": "5,1"}, "increasing"),
        ({"indicator": "tb_rate", "palette": "Rainbow"}, "YlOrRd"),
        ({"indicator": "tb_rate", "f": "exe"}, "gpkg"),
        ({"indicator": "IOP.01.02"}, "policy-indicators"),
    ],
)
def test_bad_parameters_get_400_listing_valid_values(
    shipped_client: TestClient, params: dict, mentions: str
) -> None:
    response = shipped_client.get(URL, params=params)
    assert response.status_code == 400
    assert mentions in response.json()["detail"]


def test_etag_revalidation_answers_304(shipped_client: TestClient) -> None:
    first = shipped_client.get(URL, params={"indicator": "population", "level": "departamento"})
    assert first.headers["etag"].startswith('"v') and "max-age" in first.headers["cache-control"]
    again = shipped_client.get(
        URL,
        params={"indicator": "population", "level": "departamento"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""


def test_encoded_responses_are_cached_per_version(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings(database_url=store_url))
    with TestClient(app) as client:
        for period in ("2024-12", "2024-12", "2024-12", None, None):
            params = {"indicator": "population", "level": "oficina_regional"}
            if period:
                params["period"] = period
            assert client.get(URL, params=params).status_code == 200
        cache = app.state.response_cache
        assert cache.hits == 1 and len(cache) == 2
        bad = client.get(URL, params={"indicator": "nope"})
        assert bad.status_code == 400 and len(cache) == 2


def test_fixture_store_sums_establishments_on_both_backends(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> None:
    with TestClient(create_app(make_settings(database_url=store_url))) as client:
        body = client.get(
            URL, params={"indicator": "population", "level": "departamento", "period": "2024-12"}
        ).json()
    props = _props(body)
    assert props["15"]["value"] == 9000 and props["15"]["method"] == "sum_of_establishments"
