"""GET /api/v1/observations: the tidy rows with their provenance, paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import respond, suppression_policy
from app.domain.observations import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ObservationParams,
    find_observations,
)
from app.domain.params import parse_dimension_filters

router = APIRouter(tags=["observations"])

EXAMPLE = {
    "number_matched": 1,
    "number_returned": 1,
    "offset": 0,
    "limit": 1000,
    "next_offset": None,
    "data_version": 3,
    "observations": [
        {
            "indicator": "tb_cases",
            "place_type": "oficina_regional",
            "place_code": "OR-LIMA",
            "period": "2024",
            "value": 2868.0,
            "status": "ok",
            "note": "",
            "dataset": "Casos de tuberculosis 2024…",
            "source_document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
            "Informe Estadístico de Tratamiento Penitenciario 2024",
            "source_table": "…",
            "source_locator": "line 4830",
            "dimensions": {},
        }
    ],
}


@router.get(
    "/observations",
    summary="Tidy observations with provenance (filters: indicator, level, place, from, to, dimensions)",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}, "text/csv": {}}}},
)
def get_observations(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    indicator: Annotated[
        str | None, Query(description="Indicator code; a derived one selects its inputs")
    ] = None,
    level: Annotated[
        str | None,
        Query(
            description="Place type: national, oficina_regional, departamento, provincia, distrito, establishment"
        ),
    ] = None,
    place: Annotated[str | None, Query(description="Place code")] = None,
    from_: Annotated[str | None, Query(alias="from", description="First period")] = None,
    to: Annotated[str | None, Query(description="Last period")] = None,
    sex: Annotated[str | None, Query(description="Dimension filter: M or F")] = None,
    legal_status: Annotated[
        str | None, Query(description="Dimension filter: procesado or sentenciado")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page (max {MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
    lang: Annotated[str, Query(description="es (default) or en: CSV/XLSX headers")] = "es",
    f: Annotated[str, Query(description="json, csv or xlsx")] = "json",
) -> Response:
    params = ObservationParams(
        indicator,
        level,
        place,
        from_,
        to,
        parse_dimension_filters(dict(request.query_params)),
        limit,
        offset,
        lang,
    )
    policy = suppression_policy(settings)
    return respond(
        request,
        catalog,
        settings,
        f,
        ("json", "csv", "xlsx"),
        lambda: find_observations(catalog, params, policy),
    )
