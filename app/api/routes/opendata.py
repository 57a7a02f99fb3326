"""Open data for other agencies: a DCAT catalogue of every dataset and each dataset as CSV.

(Every table, map and chart download also comes as a Frictionless Data Package: f=datapackage.)
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from app.api.deps import CatalogDep, EngineDep, SettingsDep
from app.api.respond import suppression_policy
from app.opendata import atom_feed, dataset_csv, dcat_catalog, read_changes

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
def get_dataset_csv(name: str, catalog: CatalogDep, settings: SettingsDep) -> Response:
    return Response(
        dataset_csv(catalog, name, suppression_policy(settings)),
        media_type="text/csv; charset=utf-8",
        headers={
            "ETag": catalog.etag,
            "Content-Disposition": f'attachment; filename="{name}.csv"',
        },
    )


SINCE = Query(
    ge=0, le=2_147_483_647, description="Data version the client has; changes after it are listed"
)


@router.get(
    "/changes",
    summary="What each data version after `since` added, replaced or withdrew",
)
def get_changes(
    catalog: CatalogDep, engine: EngineDep, since: Annotated[int, SINCE] = 0
) -> Response:
    body = {"data_version": catalog.version, "since": since, "changes": read_changes(engine, since)}
    return Response(orjson.dumps(body), media_type="application/json")


@router.get(
    "/changes.atom",
    summary="The changes feed as Atom 1.0",
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def get_changes_atom(
    catalog: CatalogDep,
    engine: EngineDep,
    settings: SettingsDep,
    since: Annotated[int, SINCE] = 0,
) -> Response:
    feed = atom_feed(read_changes(engine, since), settings.public_url.rstrip("/"), catalog.version)
    return Response(feed, media_type="application/atom+xml")
