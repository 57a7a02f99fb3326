"""Rates per 100,000 inhabitants through the API: choropleth by departamento, series, catalogue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.census import departamento_rates

RATE = "prison_rate_per_100k_inhabitants"


def test_choropleth_by_departamento_uses_census_2017(shipped_client: TestClient) -> None:
    response = shipped_client.get(
        "/api/v1/choropleth",
        params={"indicator": RATE, "level": "departamento", "period": "2024-12"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["denominator_period"] == "2017"
    props = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    expected = departamento_rates("2024-12", "2017")
    for code in ("15", "11"):  # Lima, Ica
        assert props[code]["value"] == pytest.approx(expected[code])
        assert props[code]["status"] == "ok"
    missing = [p for code, p in props.items() if code not in expected.index]
    assert all(p["value"] is None and p["status"] == "missing" for p in missing)


def test_series_of_a_departamento_says_which_census(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/v1/series", params={"indicator": RATE, "place": "15"})
    assert response.status_code == 200, response.text
    points = {p["period"]: p for p in response.json()["points"]}
    assert points["2024-12"]["denominator_period"] == "2017"
    assert points["2024-12"]["value"] == pytest.approx(departamento_rates("2024-12", "2017")["15"])


def test_catalogue_lists_departamento_periods_and_the_census_caveat(
    shipped_client: TestClient,
) -> None:
    items = shipped_client.get("/api/v1/indicators").json()["indicators"]
    rate = next(i for i in items if i["code"] == RATE)
    assert "2024-12" in rate["periods_by_level"]["departamento"]
    assert rate["default_period_by_level"]["departamento"] == "2024-12"
    assert "población censal 2017 del INEI" in rate["caveats_es"]
    assert "2017 census" in rate["caveats_en"]
