"""An ASGI gateway in front of pygeoapi that smooths what clients send before pygeoapi sees it.

- `/ogc` (no trailing slash, as QGIS asks) serves the landing page instead of a redirect.
- `filter-lang=cql2-text` is accepted (pygeoapi 0.21 only knows `cql-text`), and CQL2-text
  spellings pygeofilter's ECQL parser lacks are rewritten: `S_INTERSECTS(...)` -> `INTERSECTS`,
  `BBOX(geom, x1, y1, x2, y2)` -> `INTERSECTS(geom, POLYGON(...))`.
- `filter-lang=cql2-json` in a GET query is moved into the request body (pygeoapi only parses
  CQL2 JSON from bodies), and CQL2-JSON `{"bbox": [...]}` literals are turned into polygons
  (pygeofilter builds a wrong envelope from them).
Request bodies are bounded in size.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
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


def rewrite_cql2_json(text: str) -> bytes:
    """Validate a CQL2-JSON document and replace bbox literals by polygons."""
    return json.dumps(_fix_bbox_literals(json.loads(text))).encode()


class OgcApiGateway:
    """Wraps pygeoapi's Starlette app (mounted at /ogc)."""

    def __init__(self, app: ASGIApp, prefix: str = "/ogc") -> None:
        self.app = app
        self.prefix = prefix

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
        body = await self._read_body(receive)
        if body is None:
            await JSONResponse(
                {"code": "InvalidParameterValue", "description": "request body too large"}, 413
            )(scope, receive, send)
            return
        try:
            scope, body = self._rewrite(scope, body)
        except (ValueError, UnicodeDecodeError):
            await JSONResponse(
                {"code": "InvalidParameterValue", "description": "Bad CQL2 JSON filter"}, 400
            )(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

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
        if "filter" in names and lang in ("", "cql2-text", "cql-text"):
            params = [
                (k, rewrite_cql2_text(v) if k == "filter" else v)
                for k, v in params
                if k.lower() != "filter-lang"
            ]
            changed = True
        elif "filter" in names and lang in ("cql2-json", "cql-json"):
            text = next(v for k, v in params if k == "filter")
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
