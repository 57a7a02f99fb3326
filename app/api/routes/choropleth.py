"""GET /api/v1/choropleth: an indicator by place, classified and coloured, in every format."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CatalogDep, SettingsDep
from app.api.respond import ColumnsQuery, RawQuery, respond, suppression_policy
from app.catalog.snapshot import Catalog
from app.domain.choropleth import (
    Choropleth,
    ChoroplethParams,
    build_choropleth,
    choropleth_download,
)
from app.domain.params import parse_dimension_filters
from app.domain.places import level_geometry_json_for_zoom
from app.errors import InvalidParameterError
from app.exports.formats import MAP_FORMATS
from app.params import parse_numbers

router = APIRouter(tags=["choropleth"])

# Answers written from the JSON body alone: no download table or GIS layer is built for them.
BODY_FORMATS = ("geojson", "json")
FORMAT_HELP = "Output: " + ", ".join(MAP_FORMATS) + " (shp is a zipped Shapefile)."


def parse_breaks(text: str | None) -> tuple[float, ...] | None:
    return parse_numbers(text, "breaks") if text else None


@router.get(
    "/choropleth",
    summary="Choropleth of an indicator by oficina regional, departamento, provincia or distrito",
    response_description="GeoJSON FeatureCollection (features carry value, class, colour; "
    "top level carries the legend), or the file asked for with f=",
    responses={
        200: {
            "content": {
                "application/geo+json": {
                    "example": {
                        "type": "FeatureCollection",
                        "indicator": {
                            "code": "tb_rate",
                            "label": "Tasa de tuberculosis por 100 000",
                            "unit": "por 100 000",
                        },
                        "level": "oficina_regional",
                        "period": "2024",
                        "denominator_period": "2024-12",
                        "legend": {
                            "method": "quantiles",
                            "palette": "YlOrRd",
                            "classes": [
                                {
                                    "class": 0,
                                    "lower": 0.0,
                                    "upper": 580.6,
                                    "color": "#ffffb2",
                                    "label": "0 – 580.6",
                                    "count": 2,
                                }
                            ],
                            "missing": {"color": "#e0e0e0", "label": "Sin datos", "count": 0},
                        },
                        "data_version": 3,
                        "attribution": "Cifras: INPE. Límites: geoBoundaries gbOpen (CC BY 3.0 IGO)…",
                        "features": [
                            {
                                "type": "Feature",
                                "id": "OR-LIMA",
                                "geometry": None,
                                "properties": {
                                    "code": "OR-LIMA",
                                    "name": "Oficina Regional Lima",
                                    "value": 6216.4,
                                    "numerator": 2868,
                                    "denominator": 46136,
                                    "status": "ok",
                                    "display": "6,216.4",
                                    "class": 4,
                                    "color": "#bd0026",
                                    "method": "published",
                                    "n_establishments": None,
                                    "sources": [
                                        {
                                            "dataset": "…",
                                            "document": "Instituto Nacional Penitenciario (INPE), Unidad de Estadística (2024). "
                                            "Informe Estadístico de Tratamiento Penitenciario 2024",
                                            "document_id": "inpe-itp-2024",
                                            "table": "…",
                                            "locator": "line 4830",
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                },
                "image/png": {},
                "text/csv": {},
            }
        }
    },
)
def get_choropleth(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    indicator: Annotated[
        str, Query(description="Indicator code (see /api/v1/indicators)", examples=["tb_rate"])
    ],
    level: Annotated[
        str,
        Query(
            description="oficina_regional, departamento, provincia, distrito (points, places with data only) or establishment (points)"
        ),
    ] = "departamento",
    period: Annotated[
        str | None,
        Query(description="YYYY-MM, YYYY-Qn or YYYY; default: latest with data", examples=["2024"]),
    ] = None,
    method: Annotated[
        str, Query(description="quantiles, jenks (Fisher-Jenks), equal_interval or manual")
    ] = "quantiles",
    classes: Annotated[int, Query(description="Number of classes, 2-9")] = 5,
    palette: Annotated[
        str, Query(description="ColorBrewer palette (colour-blind safe), e.g. YlOrRd, Blues, RdBu")
    ] = "YlOrRd",
    breaks: Annotated[
        str | None, Query(description="With method=manual: limits between classes, e.g. 1000,5000")
    ] = None,
    lang: Annotated[str, Query(description="es (default) or en")] = "es",
    f: Annotated[str, Query(description=FORMAT_HELP)] = "geojson",
    raw: RawQuery = False,
    columns: ColumnsQuery = "default",
    geometry: Annotated[
        bool,
        Query(
            description="GeoJSON/JSON only: false sends the values, classes and legend without the "
            "geometries (features keep their code; a map that already has the level's "
            "geometries restyles them)"
        ),
    ] = True,
    geometry_zoom: Annotated[
        int | None,
        Query(
            ge=0,
            le=30,
            description="GeoJSON/JSON only: polygons simplified for a web map at this zoom "
            "(tolerance half a pixel of that zoom, shared borders kept; distrito and "
            "establishment geometries unchanged); default: full geometries",
        ),
    ] = None,
) -> Response:
    if (not geometry or geometry_zoom is not None) and f not in BODY_FORMATS:
        raise InvalidParameterError(
            "geometry=false and geometry_zoom apply to f=geojson and f=json only"
        )
    params = ChoroplethParams(
        indicator=indicator,
        level=level,
        period=period,
        method=method,
        classes=classes,
        palette=palette,
        breaks=parse_breaks(breaks),
        lang=lang,
        dimensions=parse_dimension_filters(dict(request.query_params)),
    )
    policy = suppression_policy(settings)
    return respond(
        request,
        catalog,
        settings,
        f,
        MAP_FORMATS,
        lambda: choropleth_download(
            with_geometries(
                build_choropleth(catalog, params, policy), catalog, geometry, geometry_zoom
            ),
            with_tables=f not in BODY_FORMATS,
        ),
        raw=raw,
        columns=columns,
    )


def with_geometries(
    choropleth: Choropleth, catalog: Catalog, geometry: bool, zoom: int | None
) -> Choropleth:
    """The choropleth with no geometries (values only), or geometries simplified for `zoom`."""
    if not geometry:
        return dataclasses.replace(choropleth, geometry_json={})
    if zoom is None:
        return choropleth
    simplified = level_geometry_json_for_zoom(catalog, choropleth.level, zoom)
    return dataclasses.replace(choropleth, geometry_json=simplified)
