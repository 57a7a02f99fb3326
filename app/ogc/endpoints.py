"""HTTP endpoints /wfs and /wms: read KVP or XML bodies, call the protocol service, write the
answer with ETag/Cache-Control, and turn every error into the protocol's exception XML."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.errors import AppError
from app.ogc.exceptions import OgcError, ows_exception_xml, wms_exception_xml
from app.ogc.wfs import OgcResponse, WfsService
from app.ogc.wms import WmsService

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024
CACHE_CONTROL = "public, max-age=60"


def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key.upper(), value)
    return params


def _answer(request: Request, response: OgcResponse, etag: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if response.status == 200 and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(response.body, response.status, headers=headers, media_type=response.media_type)


async def _run(
    request: Request,
    call: Callable[[], OgcResponse],
    render_error: Callable[[OgcError], bytes],
    error_media_type: str,
) -> Response:
    etag = request.app.state.holder.catalog.etag
    try:
        response = await run_in_threadpool(call)
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


def wfs_router(service: WfsService) -> APIRouter:
    router = APIRouter()

    @router.get("/wfs", include_in_schema=False)
    async def wfs_get(request: Request) -> Response:
        params = _params(request)
        return await _run(
            request, lambda: service.handle_kvp(params), ows_exception_xml, "text/xml"
        )

    @router.post("/wfs", include_in_schema=False)
    async def wfs_post(request: Request) -> Response:
        body = await _bounded_body(request)
        if body is None:
            error = OgcError("InvalidParameterValue", "request body too large")
            return Response(ows_exception_xml(error), 413, media_type="text/xml")
        params = _params(request)
        if not body.strip() and params:
            return await _run(
                request, lambda: service.handle_kvp(params), ows_exception_xml, "text/xml"
            )
        return await _run(request, lambda: service.handle_xml(body), ows_exception_xml, "text/xml")

    return router


async def _bounded_body(request: Request) -> bytes | None:
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def wms_router(service: WmsService) -> APIRouter:
    router = APIRouter()

    @router.get("/wms", include_in_schema=False)
    async def wms_get(request: Request) -> Response:
        params = _params(request)
        version = service.version_of(params)

        def render_error(error: OgcError) -> bytes:
            return wms_exception_xml(error, version)

        media = "text/xml" if version == "1.3.0" else "application/vnd.ogc.se_xml"
        return await _run(request, lambda: service.handle(params), render_error, media)

    return router
