"""GET /api/v1/series: an indicator over time at one place (JSON, table files or PNG chart)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import respond, suppression_policy
from app.api.schemas import Series
from app.domain.series import SeriesParams, build_series
from app.exports.formats import CHART_FORMATS

router = APIRouter(tags=["series"])

EXAMPLE = {
    "indicator": {"code": "population", "label": "Población penal", "unit": "personas"},
    "place": {"code": "PE", "name": "Perú", "level": "national"},
    "data_version": 3,
    "granularity": "year",
    "missing_periods": [],
    "points": [
        {
            "period": "2013",
            "value": 67597.0,
            "numerator": None,
            "denominator": None,
            "denominator_period": None,
            "status": "ok",
            "display": "67,597",
            "method": "published",
            "n_establishments": None,
            "sources": [
                {
                    "dataset": "…",
                    "document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
                    "Informe Estadístico de Tratamiento Penitenciario 2024",
                    "document_id": "inpe-itp-2024",
                    "table": "EVOLUCIÓN DE LA POBLACIÓN PENAL…",
                    "locator": "lines 4490-4491, 4495",
                }
            ],
        }
    ],
}


@router.get(
    "/series",
    summary="Time series of an indicator at a place (PE, OR-, EP-/EML- or UBIGEO)",
    responses={
        200: {
            "model": Series,
            "content": {"application/json": {"example": EXAMPLE}, "image/png": {}},
        }
    },
)
def get_series(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    indicator: Annotated[str, Query(description="Indicator code", examples=["population"])],
    place: Annotated[str, Query(description="PE, OR-LIMA, EP-LURIGANCHO, 15 (UBIGEO)…")] = "PE",
    from_: Annotated[
        str | None, Query(alias="from", description="First period (YYYY, YYYY-Qn, YYYY-MM)")
    ] = None,
    to: Annotated[str | None, Query(description="Last period")] = None,
    granularity: Annotated[
        str | None,
        Query(
            description="month, quarter or year; by default the one with the most points "
            "(a series never mixes them)"
        ),
    ] = None,
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description="json, csv, xlsx, docx, pdf, png (chart) or jpg")] = "json",
) -> Response:
    params = SeriesParams(indicator, place, from_, to, granularity, lang)
    policy = suppression_policy(settings)
    return respond(
        request,
        catalog,
        settings,
        f,
        CHART_FORMATS,
        lambda: build_series(catalog, params, policy, with_table=f != "json"),
    )
