"""The OpenAPI document describes /api/v1 bodies with models, and real answers match them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api.routes import establishments, indicators, policy, series
from app.api.schemas import EstablishmentDetail, IndicatorCatalogue, PolicyIndicators, Series


@pytest.mark.parametrize(
    ("path", "params", "model"),
    [
        ("/api/v1/indicators", {}, IndicatorCatalogue),
        ("/api/v1/indicators", {"lang": "en"}, IndicatorCatalogue),
        ("/api/v1/series", {"indicator": "population", "place": "12"}, Series),
        ("/api/v1/series", {"indicator": "tb_rate", "place": "OR-LIMA"}, Series),
        ("/api/v1/series", {"indicator": "tb_cases", "place": "EP-LURIGANCHO"}, Series),
        ("/api/v1/establishments/EP-LURIGANCHO", {}, EstablishmentDetail),
        ("/api/v1/policy-indicators", {}, PolicyIndicators),
    ],
)
def test_answers_match_their_documented_model(
    shipped_client: TestClient, path: str, params: dict[str, str], model: type[BaseModel]
) -> None:
    response = shipped_client.get(path, params=params)
    assert response.status_code == 200
    model.model_validate(response.json())


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/v1/indicators", "IndicatorCatalogue"),
        ("/api/v1/series", "Series"),
        ("/api/v1/establishments/{code}", "EstablishmentDetail"),
        ("/api/v1/policy-indicators", "PolicyIndicators"),
    ],
)
def test_openapi_documents_schema_and_example(
    shipped_client: TestClient, path: str, schema: str
) -> None:
    document = shipped_client.get("/api/v1/openapi.json")
    if document.status_code == 404:
        document = shipped_client.get("/openapi.json")
    ok = document.json()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith(f"/{schema}")
    assert ok["example"]
    components = document.json()["components"]["schemas"]
    assert schema in components


@pytest.mark.parametrize(
    ("example", "model"),
    [
        (indicators.EXAMPLE, IndicatorCatalogue),
        (series.EXAMPLE, Series),
        (establishments.DETAIL_EXAMPLE, EstablishmentDetail),
        (policy.EXAMPLE, PolicyIndicators),
    ],
)
def test_documented_examples_match_their_models(example: object, model: type[BaseModel]) -> None:
    # From the source: FastAPI drops None values from examples in the OpenAPI document.
    model.model_validate(example)
