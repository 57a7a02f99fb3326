"""GET /api/v1/establishments and /api/v1/establishments/{code}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import respond, suppression_policy
from app.api.schemas import EstablishmentDetail, documented
from app.domain.establishments import (
    EstablishmentFilter,
    establishment_detail,
    list_establishments,
    parse_bbox,
)
from app.exports.formats import TABLE_FORMATS

router = APIRouter(tags=["establishments"])
DETAIL_EXAMPLE = {
    "type": "Feature",
    "id": "EP-LURIGANCHO",
    "geometry": {"type": "Point", "coordinates": [-76.99, -11.98]},
    "properties": {
        "code": "EP-LURIGANCHO",
        "name": "E.P. Lurigancho",
        "kind": "ep",
        "oficina_regional": "OR-LIMA",
        "ubigeo": "150132",
        "departamento": "15",
        "provincia": "1501",
        "location_precision": "district_capital",
        "location_source": "…",
        "population_served": None,
        "figures": {
            "tb_cases": {
                "label": "Casos de tuberculosis",
                "unit": "casos",
                "values": [
                    {
                        "period": "2024",
                        "dimensions": {},
                        "value": 770.0,
                        "status": "ok",
                        "note": "",
                        "source": {
                            "dataset": "…",
                            "document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
                            "Informe Estadístico de Tratamiento Penitenciario 2024",
                            "document_id": "inpe-itp-2024",
                            "table": "…",
                            "locator": "line 4813",
                        },
                    }
                ],
            }
        },
    },
    "data_version": 3,
}
LIST_FORMATS = ("geojson", "json", "csv", "xlsx", "gpkg", "shp", "kml")


@router.get(
    "/establishments",
    summary="Establishments (E.P. and E.M.L.) as GeoJSON points, filtered",
    responses={
        200: {
            "content": {
                "application/geo+json": {
                    "example": {
                        "type": "FeatureCollection",
                        "number_matched": 1,
                        "features": [
                            {
                                "type": "Feature",
                                "id": "EP-LURIGANCHO",
                                "geometry": {"type": "Point", "coordinates": [-76.99, -11.98]},
                                "properties": {
                                    "code": "EP-LURIGANCHO",
                                    "name": "E.P. Lurigancho",
                                    "kind": "ep",
                                    "oficina_regional": "OR-LIMA",
                                    "ubigeo": "150132",
                                    "location_precision": "district_capital",
                                    "population": 9734.0,
                                    "population_period": "2024-12",
                                    "capacity": 3204.0,
                                    "capacity_period": "2016-06",
                                    "latest": {
                                        "population": {
                                            "value": 9734.0,
                                            "period": "2024-12",
                                            "source": {
                                                "dataset": "…",
                                                "document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
                                                "Informe Estadístico de Tratamiento Penitenciario 2024",
                                                "document_id": "inpe-itp-2024",
                                                "table": "…",
                                                "locator": "line 1290",
                                            },
                                        }
                                    },
                                },
                            }
                        ],
                    }
                }
            }
        }
    },
)
def get_establishments(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    kind: Annotated[str | None, Query(description="ep or eml")] = None,
    oficina_regional: Annotated[str | None, Query(description="OR- code, e.g. OR-LIMA")] = None,
    departamento: Annotated[str | None, Query(description="UBIGEO, 2 digits")] = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy (lon/lat)")] = None,
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description=", ".join(LIST_FORMATS))] = "geojson",
) -> Response:
    params = EstablishmentFilter(kind, oficina_regional, departamento, parse_bbox(bbox), lang)
    return respond(
        request, catalog, settings, f, LIST_FORMATS, lambda: list_establishments(catalog, params)
    )


@router.get(
    "/establishments/{code}",
    summary="One establishment with all its figures over time and their sources",
    responses=documented(EstablishmentDetail, DETAIL_EXAMPLE),
)
def get_establishment(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    code: Annotated[str, Path(description="EP-/EML- code", examples=["EP-LURIGANCHO"])],
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description="json, csv, xlsx, docx or pdf")] = "json",
) -> Response:
    policy = suppression_policy(settings)
    catalog.establishment(code)  # 404 before anything else
    return respond(
        request,
        catalog,
        settings,
        f,
        TABLE_FORMATS,
        lambda: establishment_detail(catalog, code, lang, policy),
    )
