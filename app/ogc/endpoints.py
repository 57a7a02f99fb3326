"""HTTP endpoints /wfs and /wms: read KVP or XML bodies, call the protocol service, write the
answer with ETag/Cache-Control, and turn every error into the protocol's exception XML.

The services live on `app.state` (`wfs_service`, `wms_service`, set by app.ogc.mount)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.errors import AppError
from app.http_cache import CACHE_CONTROL, etag_matches
from app.http_limits import ogc_body_limit, read_bounded_body
from app.ogc.exceptions import OgcError, ows_exception_xml, wms_exception_xml
from app.ogc.wfs import OgcResponse, WfsService
from app.ogc.wms import WmsService
from app.public_url import base_url_of

log = logging.getLogger(__name__)


def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key.upper(), value)
    return params


def _answer(request: Request, response: OgcResponse, etag: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if response.status == 200 and etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(response.body, response.status, headers=headers, media_type=response.media_type)


async def _run(
    request: Request,
    call: Callable[[], OgcResponse],
    render_error: Callable[[OgcError], bytes],
    error_media_type: str,
    is_inline: bool = False,
) -> Response:
    etag = request.app.state.holder.catalog.etag
    try:
        response = call() if is_inline else await run_in_threadpool(call)
    except OgcError as exc:
        return Response(render_error(exc), exc.status, media_type=error_media_type)
    except AppError as exc:
        error = OgcError("InvalidParameterValue", exc.message)
        return Response(render_error(error), 400, media_type=error_media_type)
    except Exception:  # a bug: still answer in the protocol's format
        log.exception("OGC request failed: %s", request.url)
        error = OgcError("NoApplicableCode", "internal error", status=500)
        return Response(render_error(error), 500, media_type=error_media_type)
    return _answer(request, response, etag)


router = APIRouter()
INLINE_MAP_PIXELS = 512 * 512


def _wfs(request: Request) -> WfsService:
    service: WfsService = request.app.state.wfs_service
    return service


def _wms(request: Request) -> WmsService:
    service: WmsService = request.app.state.wms_service
    return service


@router.get("/wfs", include_in_schema=False)
async def wfs_get(request: Request) -> Response:
    service, params, base = _wfs(request), _params(request), base_url_of(request)
    return await _run(
        request, lambda: service.handle_kvp(params, base), ows_exception_xml, "text/xml"
    )


@router.post("/wfs", include_in_schema=False)
async def wfs_post(request: Request) -> Response:
    service, base = _wfs(request), base_url_of(request)
    limit = ogc_body_limit(request)
    body = await read_bounded_body(request, limit)
    if body is None:
        error = OgcError("InvalidParameterValue", f"request body larger than {limit} bytes")
        return Response(ows_exception_xml(error), 413, media_type="text/xml")
    params = _params(request)
    if not body.strip() and params:
        return await _run(
            request, lambda: service.handle_kvp(params, base), ows_exception_xml, "text/xml"
        )
    return await _run(
        request, lambda: service.handle_xml(body, base), ows_exception_xml, "text/xml"
    )


def _is_small_map(params: dict[str, str]) -> bool:
    """A one-layer GetMap of at most INLINE_MAP_PIXELS: drawn on the event loop (see
    `wms_get`). Several layers go to a thread: 700 of them held the loop for 52 s (issue 13)."""
    if (params.get("REQUEST") or "").lower() not in ("getmap", "map"):
        return False
    if "," in (params.get("LAYERS") or ""):
        return False
    try:
        return int(params.get("WIDTH") or 0) * int(params.get("HEIGHT") or 0) <= INLINE_MAP_PIXELS
    except ValueError:
        return False


@router.get("/wms", include_in_schema=False)
async def wms_get(request: Request) -> Response:
    service, params, base = _wms(request), _params(request), base_url_of(request)
    version = service.version_of(params)

    def render_error(error: OgcError) -> bytes:
        return wms_exception_xml(error, version)

    media = "text/xml" if version == "1.3.0" else "application/vnd.ogc.se_xml"
    # The mapnik wheel holds the GIL while it draws, so a worker thread cannot overlap with the
    # event loop; for a tile (about 1 ms) the thread hop costs more than it could save.
    inline = _is_small_map(params) and service.is_warm()
    return await _run(request, lambda: service.handle(params, base), render_error, media, inline)
