"""Open data for other agencies: a DCAT catalogue of every dataset and each dataset as CSV.

(Every table, map and chart download also comes as a Frictionless Data Package: f=datapackage.)
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Response

from app.api.deps import CatalogDep, SettingsDep
from app.opendata import dataset_csv, dcat_catalog

router = APIRouter(tags=["open data"])


@router.get(
    "/opendata/catalog.jsonld",
    summary="DCAT-AP style catalogue (JSON-LD) of every served dataset",
    responses={200: {"content": {"application/ld+json": {}}}},
)
def get_catalogue(catalog: CatalogDep, settings: SettingsDep) -> Response:
    body = dcat_catalog(catalog, settings.public_url.rstrip("/"))
    return Response(
        orjson.dumps(body),
        media_type="application/ld+json",
        headers={"ETag": catalog.etag},
    )


@router.get(
    "/opendata/datasets/{name}.csv",
    summary="One loaded dataset as tidy CSV (the load format of docs/data-format.md)",
    responses={200: {"content": {"text/csv": {}}}, 404: {"description": "No such dataset"}},
)
def get_dataset_csv(name: str, catalog: CatalogDep) -> Response:
    return Response(
        dataset_csv(catalog, name),
        media_type="text/csv; charset=utf-8",
        headers={
            "ETag": catalog.etag,
            "Content-Disposition": f'attachment; filename="{name}.csv"',
        },
    )
