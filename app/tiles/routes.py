"""HTTP endpoints of OGC API Tiles under /ogc, registered before the pygeoapi mount so that
they answer these paths. Handlers parse, call app.tiles and encode; errors are OGC API
exception documents (JSON).

Tiles carry the catalog's ETag (so the process-wide response cache keeps repeated ones and
If-None-Match gets a 304). A tile with no feature is answered 204 No Content, for vector and
map tiles alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from app.catalog.snapshot import Catalog
from app.domain.features import FeatureTable
from app.http_cache import CACHE_CONTROL, etag_matches
from app.layers import LayerDefinition
from app.ogc.context import OgcContext
from app.ogc.exceptions import OgcError
from app.ogc.wms import WmsService
from app.public_url import base_url_of
from app.tiles import documents
from app.tiles.documents import DataType, MetadataBuilder, Tileset
from app.tiles.errors import TileError
from app.tiles.grid import TILE_SIZE_PX, TileAddress, grid_named, tile_address
from app.tiles.mvt import EXTENT, buffered, encode_tile
from app.tiles.raster import render_tile
from app.tiles.sources import PreparedLayer, TileSources, tile_band

MARKER_REACH_PX = 6  # a point marker drawn this far from its tile still shows in it
router = APIRouter(prefix="/ogc", include_in_schema=False)


def _context(request: Request) -> OgcContext:
    context: OgcContext = request.app.state.ogc
    return context


def _sources(request: Request) -> TileSources:
    sources: TileSources = request.app.state.tile_sources
    return sources


def _layer(request: Request, layer_id: str) -> LayerDefinition:
    layer = _context(request).layers.get(layer_id)
    if layer is None:
        raise TileError("NotFound", f"no collection '{layer_id}'", 404)
    return layer


def _error(exc: TileError | OgcError) -> Response:
    description = exc.description if isinstance(exc, TileError) else exc.message
    body = orjson.dumps({"code": exc.code, "description": description})
    return Response(body, exc.status, media_type=documents.JSON_TYPE)


def _json(document: dict[str, Any]) -> Response:
    return Response(
        orjson.dumps(document),
        media_type=documents.JSON_TYPE,
        headers={"Cache-Control": CACHE_CONTROL},
    )


async def _table(request: Request, layer_id: str, catalog: Catalog) -> FeatureTable:
    context = _context(request)
    table = context.tables.ready(catalog, layer_id)
    if table is None:  # first request of a data version: build it off the event loop
        table = await run_in_threadpool(context.table, layer_id, catalog)
    return table


def _tile_response(request: Request, catalog: Catalog, body: bytes | None, media: str) -> Response:
    headers = {"ETag": catalog.etag, "Cache-Control": CACHE_CONTROL}
    if body is None:
        return Response(status_code=204, headers=headers)
    if etag_matches(request.headers.get("if-none-match"), catalog.etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def _check_format(request: Request, data_type: DataType) -> None:
    expected, _ = documents.FORMATS[data_type]
    fmt = request.query_params.get("f", expected)
    if fmt != expected:
        raise TileError("InvalidParameterValue", f"f must be '{expected}' here, not '{fmt[:40]}'")


@router.get("/tileMatrixSets")
async def list_tile_matrix_sets(request: Request) -> Response:
    return _json(documents.tile_matrix_sets(base_url_of(request)))


@router.get("/tileMatrixSets/{tms_id}")
async def get_tile_matrix_set(tms_id: str) -> Response:
    try:
        return _json(documents.tile_matrix_set(grid_named(tms_id)))
    except TileError as exc:
        return _error(exc)


async def _tilesets(request: Request, cid: str, data_type: DataType) -> Response:
    try:
        layer = _layer(request, cid)
    except TileError as exc:
        return _error(exc)
    return _json(documents.tilesets(base_url_of(request), layer, data_type))


async def _metadata(
    request: Request, cid: str, tms: str, data_type: DataType, build: MetadataBuilder
) -> Response:
    try:
        layer, grid = _layer(request, cid), grid_named(tms)
    except TileError as exc:
        return _error(exc)
    table = await _table(request, cid, _context(request).holder.catalog)
    return _json(
        build(Tileset(base_url_of(request), layer, data_type, grid, table.extent, table.fields))
    )


@router.get("/collections/{cid}/tiles")
async def vector_tilesets(request: Request, cid: str) -> Response:
    return await _tilesets(request, cid, "vector")


@router.get("/collections/{cid}/map/tiles")
async def map_tilesets(request: Request, cid: str) -> Response:
    return await _tilesets(request, cid, "map")


@router.get("/collections/{cid}/tiles/{tms}")
async def vector_tileset(request: Request, cid: str, tms: str) -> Response:
    return await _metadata(request, cid, tms, "vector", documents.tileset)


@router.get("/collections/{cid}/map/tiles/{tms}")
async def map_tileset(request: Request, cid: str, tms: str) -> Response:
    return await _metadata(request, cid, tms, "map", documents.tileset)


@router.get("/collections/{cid}/tiles/{tms}/tilejson.json")
async def vector_tilejson(request: Request, cid: str, tms: str) -> Response:
    return await _metadata(request, cid, tms, "vector", documents.tilejson)


@router.get("/collections/{cid}/map/tiles/{tms}/tilejson.json")
async def map_tilejson(request: Request, cid: str, tms: str) -> Response:
    return await _metadata(request, cid, tms, "map", documents.tilejson)


@dataclass(frozen=True)
class _TileRequest:
    catalog: Catalog
    table: FeatureTable
    address: TileAddress
    prepared: PreparedLayer


async def _tile_request(
    request: Request, cid: str, tms: str, path: tuple[str, str, str], data_type: DataType
) -> _TileRequest:
    """Check a tile request and find its prepared layer (building it off the event loop)."""
    _check_format(request, data_type)
    _layer(request, cid)
    address = tile_address(grid_named(tms), *path)
    catalog = _context(request).holder.catalog
    table = await _table(request, cid, catalog)
    sources = _sources(request)
    band = tile_band(table, address.grid, address.bounds)
    prepared = sources.ready(table, address.grid, band)
    if prepared is None:
        prepared = await run_in_threadpool(sources.get, table, address.grid, band)
    return _TileRequest(catalog, table, address, prepared)


@router.api_route("/collections/{cid}/tiles/{tms}/{z}/{row}/{col}", methods=["GET", "HEAD"])
async def vector_tile(request: Request, cid: str, tms: str, z: str, row: str, col: str) -> Response:
    try:
        tile = await _tile_request(request, cid, tms, (z, row, col), "vector")
    except TileError as exc:
        return _error(exc)
    properties = _sources(request).properties(tile.table)
    # Encoded on the event loop: it holds the GIL throughout, a worker thread would only add a hop.
    body = encode_tile(tile.table, properties, tile.prepared, tile.address.bounds)
    return _tile_response(request, tile.catalog, body, documents.MVT_TYPE)


@router.api_route("/collections/{cid}/map/tiles/{tms}/{z}/{row}/{col}", methods=["GET", "HEAD"])
async def map_tile(request: Request, cid: str, tms: str, z: str, row: str, col: str) -> Response:
    try:
        tile = await _tile_request(request, cid, tms, (z, row, col), "map")
    except TileError as exc:
        return _error(exc)
    reach = buffered(tile.address.bounds, MARKER_REACH_PX * EXTENT // TILE_SIZE_PX)
    positions, _ = tile.prepared.query(reach)
    if not len(positions):
        return _tile_response(request, tile.catalog, None, documents.PNG_TYPE)
    wms: WmsService = request.app.state.wms_service
    try:
        # Drawn in a worker process (app/render/pool.py): the thread only waits.
        body = await run_in_threadpool(render_tile, wms, tile.catalog, cid, tile.address)
    except OgcError as exc:
        return _error(exc)
    return _tile_response(request, tile.catalog, body, documents.PNG_TYPE)


def mount_tiles(app: FastAPI) -> None:
    """Add the tile routes (call before mount_ogc: the /ogc mount would shadow them)."""
    app.state.tile_sources = TileSources()
    app.include_router(router)
