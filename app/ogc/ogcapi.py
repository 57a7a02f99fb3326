"""An ASGI gateway in front of pygeoapi that smooths what clients send before pygeoapi sees it.

- `/ogc` (no trailing slash, as QGIS asks) serves the landing page instead of a redirect.
- `filter-lang=cql2-text` is accepted (pygeoapi 0.21 only knows `cql-text`), and CQL2-text
  spellings pygeofilter's ECQL parser lacks are rewritten: `S_INTERSECTS(...)` -> `INTERSECTS`,
  `BBOX(geom, x1, y1, x2, y2)` -> `INTERSECTS(geom, POLYGON(...))`.
- `filter-lang=cql2-json` in a GET query is moved into the request body (pygeoapi only parses
  CQL2 JSON from bodies), and CQL2-JSON `{"bbox": [...]}` literals are turned into polygons
  (pygeofilter builds a wrong envelope from them).
Request bodies are bounded in size. 200 answers to GET carry the catalog's ETag (304 on
If-None-Match), and plain items queries skip pygeoapi (app.ogc.items_fast).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import SQLAlchemyError
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import InvalidParameterError
from app.ogc.context import OgcContext
from app.ogc.features import layer_fields
from app.ogc.items_fast import items_document, items_headers, parse_items_query
from app.params import MAX_COORDINATE, parse_bool, parse_interval, parse_numbers

MAX_BODY_BYTES = 64 * 1024
# Filters are bounded before any parser sees them (the AST is bounded again in app/ogc/query.py).
MAX_FILTER_CHARS = 16 * 1024
MAX_JSON_DEPTH = 100
CACHE_CONTROL = "public, max-age=60"
VARY = b"Accept, Accept-Language"  # pygeoapi negotiates format and language from these
_ITEMS_PATH = re.compile(r"/collections/([^/]+)/items")
_STYLED_MAP_PATH = re.compile(r"/collections/([^/]+)/styles/([^/]+)/map")
_SPATIAL_PREFIX = re.compile(
    r"\bS_(INTERSECTS|WITHIN|CONTAINS|DISJOINT|CROSSES|TOUCHES|OVERLAPS|EQUALS)\s*\(", re.I
)
_NUM = r"\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*"
_BBOX = re.compile(rf"\bBBOX\s*\(\s*([A-Za-z_][\w]*)\s*,{_NUM},{_NUM},{_NUM},{_NUM}\)", re.I)
_BBOX_LITERAL = re.compile(rf"\bBBOX\s*\({_NUM},{_NUM},{_NUM},{_NUM}\)", re.I)
_ENVELOPE = re.compile(rf"\bENVELOPE\s*\({_NUM},{_NUM},{_NUM},{_NUM}\)", re.I)


def _polygon_wkt(x1: str, y1: str, x2: str, y2: str) -> str:
    return f"POLYGON(({x1} {y1},{x2} {y1},{x2} {y2},{x1} {y2},{x1} {y1}))"


def rewrite_cql2_text(text: str) -> str:
    """CQL2-text spellings -> the ECQL pygeofilter parses (same meaning)."""
    text = _SPATIAL_PREFIX.sub(lambda m: f"{m.group(1).upper()}(", text)
    text = _BBOX_LITERAL.sub(lambda m: _polygon_wkt(*m.group(1, 2, 3, 4)), text)
    # ECQL ENVELOPE(minx, maxx, miny, maxy)... pygeofilter fails on negative numbers there.
    text = _ENVELOPE.sub(lambda m: _polygon_wkt(*m.group(1, 3, 2, 4)), text)
    return _BBOX.sub(
        lambda m: f"INTERSECTS({m.group(1)}, {_polygon_wkt(*m.group(2, 3, 4, 5))})", text
    )


def _fix_bbox_literals(node: Any) -> Any:
    if isinstance(node, dict):
        bbox = node.get("bbox")
        if len(node) == 1 and isinstance(bbox, list) and len(bbox) in (4, 6):
            x1, y1, x2, y2 = (
                (bbox[0], bbox[1], bbox[2], bbox[3])
                if len(bbox) == 4
                else (bbox[0], bbox[1], bbox[3], bbox[4])
            )
            ring = [[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]
            return {"type": "Polygon", "coordinates": [ring]}
        return {k: _fix_bbox_literals(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fix_bbox_literals(v) for v in node]
    return node


def _check_json_depth(text: str) -> None:
    """Bound nesting before parsing: json.loads and the rewrite recurse (a RecursionError
    was an HTTP 500). Brackets inside strings are skipped."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise RejectedParameterError(
                    f"CQL2 JSON filter nested deeper than {MAX_JSON_DEPTH} levels"
                )
        elif char in "]}":
            depth -= 1


def rewrite_cql2_json(text: str) -> bytes:
    """Validate a CQL2-JSON document and replace bbox literals by polygons."""
    if len(text) > MAX_FILTER_CHARS:
        raise RejectedParameterError(f"filter longer than {MAX_FILTER_CHARS} characters")
    _check_json_depth(text)
    return json.dumps(_fix_bbox_literals(json.loads(text))).encode()


class RejectedParameterError(ValueError):
    """A parameter pygeoapi would crash on (HTTP 500); answered 400 here instead."""


def _check_bbox_crs(params: list[tuple[str, str]]) -> None:
    """pygeoapi's map handler lets pyproj's CRSError escape for an unknown `bbox-crs`."""
    from pygeoapi.util import get_crs_from_uri  # pygeoapi is imported once configured

    for key, value in params:
        if key.lower() == "bbox-crs":
            try:
                get_crs_from_uri(value)
            except Exception:  # noqa: BLE001 - pyproj raises several kinds
                raise RejectedParameterError(
                    f"bbox-crs '{value[:100]}' is not a CRS URI this server knows"
                ) from None


def _check_sortby(params: list[tuple[str, str]]) -> None:
    """pygeoapi indexes each sortby term's first character: an empty term made a 500."""
    for key, value in params:
        if key.lower() == "sortby" and any(not t.strip() for t in value.split(",")):
            raise RejectedParameterError("sortby has an empty term; use e.g. sortby=name,-code")


def check_items_values(params: list[tuple[str, str]]) -> None:
    """`bbox`, `datetime` and `skipGeometry` parsed strictly: pygeoapi and the fast path
    ignored `bbox=NaN,...`, `datetime=2024-13-45` and `skipGeometry=maybe` (issue 13)."""
    for key, value in params:
        name = key.lower()
        if name == "bbox":
            numbers = parse_numbers(value, "bbox", max_count=6)
            if len(numbers) not in (4, 6) or any(abs(n) > MAX_COORDINATE for n in numbers):
                raise InvalidParameterError(
                    f"bbox must be 4 (or 6) numbers within ±{MAX_COORDINATE:g}, got '{value[:100]}'"
                )
        elif name == "datetime":
            parse_interval(value, "datetime")
        elif name == "skipgeometry":
            parse_bool(value, "skipGeometry")


class OgcApiGateway:
    """Wraps pygeoapi's Starlette app (mounted at /ogc).

    200 answers to GET carry `ETag: <catalog.etag>` and Cache-Control (so the process-wide
    response cache keeps them) and If-None-Match gets a 304. Plain items queries are answered
    from the feature tables (app.ogc.items_fast); everything else goes to pygeoapi.
    """

    def __init__(self, app: ASGIApp, context: OgcContext, prefix: str = "/ogc") -> None:
        self.app = app
        self.context = context
        self.prefix = prefix
        self.collections_url = f"{context.settings.public_url}{prefix}/collections"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        if not scope.get("root_path", "").endswith(self.prefix):
            # Reached through the exact-path route (QGIS asks for /ogc): act as the mount would.
            scope["root_path"] = scope.get("root_path", "") + self.prefix
            scope["path"] = scope["path"].rstrip("/") + "/"
            scope["raw_path"] = scope["path"].encode()
        if scope["method"] in ("GET", "HEAD") and _ITEMS_PATH.fullmatch(get_route_path(scope)):
            query = scope.get("query_string", b"").decode("latin-1")
            try:
                check_items_values(parse_qsl(query, keep_blank_values=True))
            except InvalidParameterError as exc:
                await JSONResponse(
                    {"code": "InvalidParameterValue", "description": exc.message}, 400
                )(scope, receive, send)
                return
        etag = self._etag()
        if (
            etag is not None
            and scope["method"] == "GET"
            and await self._answer_fast(scope, send, etag)
        ):
            return
        body = await self._read_body(receive)
        if body is None:
            await JSONResponse(
                {"code": "InvalidParameterValue", "description": "request body too large"}, 413
            )(scope, receive, send)
            return
        try:
            scope, body = self._rewrite(scope, body)
        except (ValueError, UnicodeDecodeError) as exc:
            description = str(exc) if isinstance(exc, RejectedParameterError) else None
            await JSONResponse(
                {
                    "code": "InvalidParameterValue",
                    "description": description or "Bad CQL2 JSON filter",
                },
                400,
            )(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        app = self._styled_map_app(scope) or self.app
        if etag is None or scope["method"] not in ("GET", "HEAD"):
            await app(scope, replay, send)
            return
        await app(scope, replay, _with_etag(send, etag, _if_none_match(scope)))

    @staticmethod
    def _styled_map_app(scope: Scope) -> ASGIApp | None:
        """OGC API Maps `/collections/{id}/styles/{style}/map`: pygeoapi 0.21 lists this route
        after `/collections/{id:path}/map`, which swallows it (collection 'id/styles/style',
        404). Call pygeoapi's own endpoint for it with the path parameters it expects."""
        match = _STYLED_MAP_PATH.fullmatch(get_route_path(scope))
        if match is None or scope["method"] not in ("GET", "HEAD"):
            return None
        endpoint = sys.modules["pygeoapi.starlette_app"].collection_map
        path_params = {"collection_id": match.group(1), "style_id": match.group(2)}

        async def styled_map(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request({**scope, "path_params": path_params}, receive)
            response = await endpoint(request)
            await response(scope, receive, send)

        return styled_map

    def _etag(self) -> bytes | None:
        try:
            return self.context.holder.catalog.etag.encode()
        except SQLAlchemyError:  # no snapshot and no store: answer without validators
            return None

    async def _answer_fast(self, scope: Scope, send: Send, etag: bytes) -> bool:
        """Answer a plain items query from the feature table; False when it is not one."""
        match = _ITEMS_PATH.fullmatch(get_route_path(scope))
        if match is None:
            return False
        layer = self.context.layers.get(match.group(1))
        if layer is None:
            return False
        headers = dict(scope.get("headers", []))
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        fields = layer_fields(layer)
        query = parse_items_query(
            layer, fields, params, headers.get(b"accept", b"").decode("latin-1")
        )
        if query is None:
            return False
        catalog = self.context.holder.catalog
        table = self.context.tables.ready(catalog, layer.id)
        if table is None:  # first request of a version: build it off the event loop
            table = await run_in_threadpool(self.context.table, layer.id, catalog)
        language = headers.get(b"accept-language", b"").decode("latin-1")
        document = items_document(table, query, self.collections_url, language)
        if document is None:
            return False
        response_headers = [
            *items_headers(language),
            (b"etag", catalog.etag.encode()),
            (b"cache-control", CACHE_CONTROL.encode()),
            (b"vary", VARY),
        ]
        if _etag_matches(_if_none_match(scope), catalog.etag.encode()):
            await _send(send, 304, response_headers, b"")
            return True
        response_headers.append((b"content-length", str(len(document)).encode()))
        await _send(send, 200, response_headers, document)
        return True

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _rewrite(scope: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        names = {k.lower(): k for k, _ in params}
        lang = next((v for k, v in params if k.lower() == "filter-lang"), "").lower()
        changed = False
        if scope["path"].endswith("/map"):
            _check_bbox_crs(params)
        if scope["path"].endswith("/items"):
            _check_sortby(params)
        for key, value in params:
            if key.lower() == "filter" and len(value) > MAX_FILTER_CHARS:
                raise RejectedParameterError(f"filter longer than {MAX_FILTER_CHARS} characters")
        if "filter" in names and lang in ("", "cql2-text", "cql-text"):
            params = [
                (k, rewrite_cql2_text(v) if k.lower() == "filter" else v)
                for k, v in params
                if k.lower() != "filter-lang"
            ]
            changed = True
        elif "filter" in names and lang in ("cql2-json", "cql-json"):
            text = next(v for k, v in params if k.lower() == "filter")
            body = rewrite_cql2_json(text)
            params = [(k, v) for k, v in params if k.lower() not in ("filter", "filter-lang")]
            changed = True
        elif body and scope["method"] == "POST" and scope["path"].endswith("/items"):
            headers = dict(scope.get("headers", []))
            if b"geo+json" not in headers.get(b"content-type", b""):
                body = rewrite_cql2_json(body.decode())
        if changed:
            scope["query_string"] = urlencode(params).encode()
        return scope, body


def _if_none_match(scope: Scope) -> bytes:
    return bytes(dict(scope.get("headers", [])).get(b"if-none-match", b""))


def _etag_matches(header: bytes, etag: bytes) -> bool:
    if not header:
        return False
    tags = {t.strip().removeprefix(b"W/") for t in header.split(b",")}
    return etag in tags or b"*" in tags


def _with_etag(send: Send, etag: bytes, if_none_match: bytes) -> Send:
    """Add ETag and Cache-Control to a 200 answer; turn it into a 304 when the client has it."""
    is_not_modified = False

    async def wrapped(message: Message) -> None:
        nonlocal is_not_modified
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = [
                (k, v)
                for k, v in message.get("headers", [])
                if k.lower() not in (b"etag", b"cache-control", b"vary")
            ]
            headers += [
                (b"etag", etag),
                (b"cache-control", CACHE_CONTROL.encode()),
                (b"vary", VARY),
            ]
            if _etag_matches(if_none_match, etag):
                is_not_modified = True
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                message = {**message, "status": 304, "headers": headers}
            else:
                message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and is_not_modified:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return wrapped


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
