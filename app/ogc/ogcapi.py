"""OGC API routes at /ogc: each request goes to one function of this app's pygeoapi `API`.

One path per request: parse and check the parameters pygeoapi would crash on, pick the `API`
of the request's base URL (app.ogc.pygeoapi_app), call the pygeoapi function in a worker
thread, and encode its answer: JSON as pygeoapi wrote it, HTML from our own templates
(app.ogc.html, no CDN), ETag/Cache-Control from app.http_cache. CQL2 filters are parsed here
with pygeofilter's CQL2 parsers and handed to pygeoapi as CQL2-JSON. The tiles routes are not
here (app.tiles mounts them).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.errors import InvalidParameterError
from app.http_cache import CACHE_CONTROL, etag_matches
from app.http_limits import ogc_body_limit, read_bounded_body
from app.ogc.conformance import conformance_document
from app.ogc.cql2 import FilterError, filter_body
from app.ogc.html import render_page
from app.ogc.pygeoapi_app import PygeoapiApis
from app.params import MAX_COORDINATE, parse_bool, parse_interval, parse_numbers
from app.public_url import base_url_of

if TYPE_CHECKING:
    from pygeoapi.api import API

VARY = "Accept, Accept-Language"  # pygeoapi negotiates format and language from these
ApiFunction = Callable[..., tuple[dict[str, str], int, Any]]
# pygeoapi is imported on the first OGC API request, not at start: importing it compiles its
# ECQL grammar and loads babel, jinja2 and pyproj (a third of the server's start time).
PYGEOAPI_FUNCTIONS = {
    "landing_page": "pygeoapi.api",
    "openapi_": "pygeoapi.api",
    "describe_collections": "pygeoapi.api",
    "get_collection_schema": "pygeoapi.api",
    "get_collection_queryables": "pygeoapi.api.itemtypes",
    "get_collection_items": "pygeoapi.api.itemtypes",
    "get_collection_item": "pygeoapi.api.itemtypes",
    "get_collection_map": "pygeoapi.api.maps",
}
Transform = Callable[[dict[str, Any], str], dict[str, Any]]
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
# pygeoapi's landing page links these whatever the configuration; this server has none of them.
NOT_SERVED_RELS = (
    REL_TILING_SCHEMES,  # pygeoapi's /TileMatrixSets: app.tiles serves /tileMatrixSets
    "http://www.opengis.net/def/rel/ogc/1.0/processes",
    "http://www.opengis.net/def/rel/ogc/1.0/job-list",
)


class ParameterError(ValueError):
    """A parameter rejected before pygeoapi sees it (400, OGC API exception document)."""


def _error(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse({"code": code, "type": code, "description": description}, status)


def _wants_html(request: Request) -> bool:
    fmt = request.query_params.get("f")
    if fmt is not None:
        return fmt.strip().lower() == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def _check_items_values(params: list[tuple[str, str]]) -> None:
    """`bbox`, `datetime` and `skipGeometry` parsed strictly: pygeoapi ignored `bbox=NaN,...`,
    `datetime=2024-13-45` and `skipGeometry=maybe` (issue 13)."""
    for key, value in params:
        name = key.lower()
        if name == "bbox":
            numbers = parse_numbers(value, "bbox", max_count=6)
            if len(numbers) not in (4, 6) or any(abs(n) > MAX_COORDINATE for n in numbers):
                raise ParameterError(
                    f"bbox must be 4 (or 6) numbers within ±{MAX_COORDINATE:g}, got '{value[:100]}'"
                )
        elif name == "datetime":
            parse_interval(value, "datetime")
        elif name == "skipgeometry":
            parse_bool(value, "skipGeometry")


def _check_params(path: str, params: list[tuple[str, str]]) -> None:
    """Parameters pygeoapi 0.21 answers with HTTP 500 or ignores."""
    if path.endswith("/items"):
        _check_items_values(params)
    for key, value in params:
        name = key.lower()
        if name == "sortby" and any(not t.strip() for t in value.split(",")):
            raise ParameterError("sortby has an empty term; use e.g. sortby=name,-code")
        if name == "bbox-crs" and path.endswith("/map"):
            from pygeoapi.util import get_crs_from_uri

            try:
                get_crs_from_uri(value)
            except Exception:  # noqa: BLE001 - pyproj raises several kinds
                raise ParameterError(
                    f"bbox-crs '{value[:100]}' is not a CRS URI this server knows"
                ) from None


def _items_input(
    request: Request, params: list[tuple[str, str]], body: bytes
) -> tuple[list[tuple[str, str]], bytes]:
    """Query and body for pygeoapi's items function: a CQL2 filter (text or JSON, in the query
    or a POST body) becomes a CQL2-JSON body parsed by pygeofilter."""
    filters = [v for k, v in params if k.lower() == "filter"]
    lang = next((v for k, v in params if k.lower() == "filter-lang"), None)
    rest = [(k, v) for k, v in params if k.lower() not in ("filter", "filter-lang")]
    if filters:
        return rest, filter_body(filters[0], lang)
    if body and request.method == "POST":
        if "geo+json" in request.headers.get("content-type", ""):
            raise ParameterError("this server is read-only: items cannot be created")
        return rest, filter_body(body.decode(), "cql2-json")
    return rest, b""


def _api_request_scope(request: Request, params: list[tuple[str, str]]) -> dict[str, Any]:
    return {**request.scope, "query_string": urlencode(params).encode()}


def _landing_links(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """pygeoapi's landing page with the links of what this server serves (tiling schemes).
    The JSON-LD landing page has no `links` list: it is left as pygeoapi writes it."""
    if not isinstance(document.get("links"), list):
        return document
    links = [link for link in document["links"] if link.get("rel") not in NOT_SERVED_RELS]
    links.append(
        {
            "rel": REL_TILING_SCHEMES,
            "type": "application/json",
            "title": "Esquemas de teselado (tile matrix sets)",
            "href": f"{base_url}/ogc/tileMatrixSets",
        }
    )
    return {**document, "links": links}


async def _call(
    request: Request,
    function: ApiFunction,
    *args: str | None,
    is_items: bool = False,
    transform: Transform | None = None,
) -> Response:
    apis: PygeoapiApis = request.app.state.ogc_apis
    base_url = base_url_of(request)
    params = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)]
    limit = ogc_body_limit(request)
    body = await read_bounded_body(request, limit)
    if body is None:
        return _error(413, "InvalidParameterValue", f"request body larger than {limit} bytes")
    try:
        _check_params(request.url.path, params)
        if is_items:
            params, body = _items_input(request, params, body)
    except (ParameterError, FilterError) as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    except InvalidParameterError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    is_html = _wants_html(request)
    if is_html:
        params = [(k, v) for k, v in params if k != "f"] + [("f", "json")]
    api: API = await run_in_threadpool(apis.api, base_url)
    from pygeoapi.api import APIRequest  # imported by apis.api already

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    api_request = await APIRequest.from_starlette(
        Request(_api_request_scope(request, params), receive), api.locales
    )
    if not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        headers, status, content = await run_in_threadpool(function, api, api_request, *args)
    if transform is not None and status == 200:
        content = json.dumps(transform(json.loads(content), base_url), ensure_ascii=False)
    if is_html:
        document = json.loads(content) if isinstance(content, str | bytes) else content
        page = render_page(request.url.path, document, status, base_url)
        return _with_validators(request, Response(page, status, media_type="text/html"))
    response = Response(content, status, headers=headers)
    if status >= 400 and not headers.get("Content-Type", "").endswith("json"):
        # pygeoapi's map errors carry the image type with a JSON body.
        response.headers["Content-Type"] = "application/json"
    return _with_validators(request, response)


def _pygeoapi(name: str) -> ApiFunction:
    return cast(ApiFunction, getattr(importlib.import_module(PYGEOAPI_FUNCTIONS[name]), name))


def _with_validators(request: Request, response: Response) -> Response:
    """ETag (data version), Cache-Control and Vary on 200 answers to GET; 304 when current."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    try:
        etag = request.app.state.holder.catalog.etag
    except SQLAlchemyError:  # no snapshot and no store: answer without validators
        return response
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


async def landing(request: Request) -> Response:
    return await _call(request, _pygeoapi("landing_page"), transform=_landing_links)


async def openapi(request: Request) -> Response:
    return await _call(request, _pygeoapi("openapi_"))


async def conformance(request: Request) -> Response:
    document = conformance_document()
    if _wants_html(request):
        base_url = base_url_of(request)
        page = render_page(request.url.path, document, 200, base_url)
        return _with_validators(request, Response(page, media_type="text/html"))
    return _with_validators(request, JSONResponse(document))


async def collections(request: Request) -> Response:
    return await _call(
        request, _pygeoapi("describe_collections"), request.path_params.get("collection_id")
    )


async def queryables(request: Request) -> Response:
    collection_id = request.path_params["collection_id"]
    return await _call(request, _pygeoapi("get_collection_queryables"), collection_id)


async def schema(request: Request) -> Response:
    return await _call(
        request, _pygeoapi("get_collection_schema"), request.path_params["collection_id"]
    )


async def items(request: Request) -> Response:
    collection_id = request.path_params["collection_id"]
    return await _call(request, _pygeoapi("get_collection_items"), collection_id, is_items=True)


async def item(request: Request) -> Response:
    path = request.path_params
    return await _call(
        request, _pygeoapi("get_collection_item"), path["collection_id"], path["item_id"]
    )


async def collection_map(request: Request) -> Response:
    path = request.path_params
    return await _call(
        request, _pygeoapi("get_collection_map"), path["collection_id"], path.get("style_id")
    )


ROUTES = [
    Route("/ogc", landing, methods=["GET"]),
    Route("/ogc/", landing, methods=["GET"]),
    Route("/ogc/openapi", openapi, methods=["GET"]),
    Route("/ogc/conformance", conformance, methods=["GET"]),
    Route("/ogc/collections", collections, methods=["GET"]),
    Route("/ogc/collections/{collection_id}", collections, methods=["GET"]),
    Route("/ogc/collections/{collection_id}/queryables", queryables, methods=["GET"]),
    Route("/ogc/collections/{collection_id}/schema", schema, methods=["GET"]),
    Route("/ogc/collections/{collection_id}/items", items, methods=["GET", "POST"]),
    Route("/ogc/collections/{collection_id}/items/{item_id}", item, methods=["GET"]),
    Route("/ogc/collections/{collection_id}/map", collection_map, methods=["GET"]),
    Route(
        "/ogc/collections/{collection_id}/styles/{style_id}/map", collection_map, methods=["GET"]
    ),
]
