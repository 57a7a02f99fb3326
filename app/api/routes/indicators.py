"""GET /api/v1/indicators: the indicator catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import respond
from app.api.schemas import IndicatorCatalogue, documented
from app.domain.catalogue import indicator_catalogue
from app.exports.formats import TABLE_FORMATS

router = APIRouter(tags=["indicators"])

EXAMPLE = {
    "data_version": 3,
    "indicators": [
        {
            "code": "tb_rate",
            "label": "Tasa de tuberculosis por 100 000",
            "label_es": "Tasa de tuberculosis por 100 000",
            "label_en": "Tuberculosis rate per 100,000",
            "unit": "por 100 000",
            "aggregation": "ratio",
            "numerator": "tb_cases",
            "denominator": "population",
            "is_sensitive": True,
            "group": "salud",
            "description": "",
            "definition": "Casos de tuberculosis por 100 000 personas privadas de libertad.",
            "definition_es": "Casos de tuberculosis por 100 000 personas privadas de libertad.",
            "definition_en": "Tuberculosis cases per 100,000 prisoners.",
            "formula": "casos TB / P × 100 000",
            "caveats": "El denominador es la población al cierre del periodo…",
            "caveats_es": "El denominador es la población al cierre del periodo…",
            "caveats_en": "The denominator is the population at the end of the period…",
            "levels": ["national", "oficina_regional", "departamento", "provincia", "distrito"],
            "periods": ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024"],
            "periods_by_level": {
                "national": ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024"],
                "oficina_regional": ["2024-Q4", "2024"],
                "departamento": ["2024"],
            },
            "default_period_by_level": {
                "national": "2024",
                "oficina_regional": "2024",
                "departamento": "2024",
            },
            "sources": [
                {
                    "dataset": "Casos de tuberculosis 2024…",
                    "document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
                    "Informe Estadístico de Tratamiento Penitenciario 2024",
                    "document_id": "inpe-itp-2024",
                    "table": "…",
                }
            ],
        }
    ],
}


@router.get(
    "/indicators",
    summary="Indicator catalogue: codes, labels, units, levels and periods with data, sources",
    responses=documented(IndicatorCatalogue, EXAMPLE),
)
def get_indicators(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description="json, csv, xlsx, docx or pdf")] = "json",
) -> Response:
    return respond(
        request, catalog, settings, f, TABLE_FORMATS, lambda: indicator_catalogue(catalog, lang)
    )
