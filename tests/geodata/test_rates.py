"""Rates per 100,000 inhabitants: the INEI census denominators and the derived indicator."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.stats.indicators import CORE_REGISTRY

G = Path(__file__).resolve().parents[2] / "geodata"


def test_census_denominators_are_the_published_table() -> None:
    rows = pd.read_csv(G / "observations" / "census_population_departamento.csv", dtype=str)
    assert (rows["indicator"] == "inhabitants").all()
    dep = rows[rows["place_type"] == "departamento"]
    assert len(dep) == 50 and dep["place_code"].nunique() == 25
    y2017 = dep[dep["period"] == "2017"]["value"].astype(int)
    assert y2017.sum() == 29_381_884  # INEI census 2017 total
    lima = dep[(dep["place_code"] == "15") & (dep["period"] == "2017")]["value"]
    assert lima.astype(int).tolist() == [9_485_405]
    assert (rows["source_document"] == "inei-censos-2017-2007-departamento").all()


def test_rate_is_declared_in_both_languages() -> None:
    rate = CORE_REGISTRY["prison_rate_per_100k_inhabitants"]
    assert (rate.numerator, rate.denominator, rate.scale) == ("population", "inhabitants", 1e5)
    assert rate.label_es and rate.label_en and rate.description


@pytest.fixture(scope="module")
def client(shipped_client: TestClient) -> TestClient:
    return shipped_client


def test_national_rate_2017(client: TestClient) -> None:
    response = client.get(
        "/api/v1/series",
        # Yearly points: the census rate also exists for every month with a national population.
        params={
            "indicator": "prison_rate_per_100k_inhabitants",
            "place": "PE",
            "granularity": "year",
        },
    )
    assert response.status_code == 200, response.text
    points = {p["period"]: p for p in response.json()["points"]}
    # 85,811 prisoners (INPE, 2017) per 29,381,884 inhabitants (INEI census 2017)
    assert points["2017"]["value"] == pytest.approx(85_811 / 29_381_884 * 1e5)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_indicator_has_a_definition(client: TestClient, lang: str) -> None:
    items = client.get("/api/v1/indicators", params={"lang": lang}).json()["indicators"]
    assert len(items) >= 37  # 24 core + 13 policy indicators
    for item in items:
        for key in ("definition_es", "definition_en", "formula", "unit"):
            assert item[key].strip(), (item["code"], key)
        assert item["definition"] == item[f"definition_{lang}"]
    rate = next(i for i in items if i["code"] == "prison_rate_per_100k_inhabitants")
    assert "100" in rate["formula"] and rate["caveats_en"]
