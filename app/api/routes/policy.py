"""GET /api/v1/policy-indicators: Política Nacional Penitenciaria indicators and progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import respond
from app.api.schemas import PolicyIndicators, documented
from app.domain.policy import policy_indicators
from app.exports.formats import TABLE_FORMATS

router = APIRouter(tags=["policy"])

EXAMPLE = {
    "method": {
        "progress_pct": "obtained / expected × 100 (as printed in the policy reports)",
        "traffic_light": "verde >= 90 %, ambar >= 60 %, rojo below, gris without data",
    },
    "data_version": 3,
    "indicators": [
        {
            "code": "IOP.01.02",
            "label": "Porcentaje de personas privadas de libertad sin sentencia",
            "unit": "%",
            "objective": "OP.01",
            "lower_is_better": True,
            "baseline": 37.0,
            "years": [
                {
                    "year": "2020",
                    "baseline": None,
                    "expected": 37.0,
                    "obtained": 34.0,
                    "progress_pct": 91.9,
                    "traffic_light": "verde",
                    "notes": {},
                    "sources": [
                        {
                            "series": "obtained",
                            "document": "Ministerio de Justicia y Derechos Humanos (MINJUSDH) (2020). "
                            "Reporte anual de seguimiento, Política Nacional Penitenciaria al 2030",
                            "locator": "line 20",
                        }
                    ],
                }
            ],
        }
    ],
}


@router.get(
    "/policy-indicators",
    summary="Política Nacional Penitenciaria al 2030: baseline, expected, obtained, progress, traffic light",
    responses=documented(PolicyIndicators, EXAMPLE),
)
def get_policy_indicators(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description="json, csv, xlsx, docx or pdf")] = "json",
) -> Response:
    return respond(
        request, catalog, settings, f, TABLE_FORMATS, lambda: policy_indicators(catalog, lang)
    )
