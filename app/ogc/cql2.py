"""CQL2 filters of OGC API Features requests, parsed by pygeofilter into one form: CQL2-JSON.

`filter-lang=cql2-text` (the default) is parsed with pygeofilter's CQL2-text parser (ECQL as a
fallback when no language or `cql-text` is given: pygeoapi's own default and older clients), `cql2-json` with its CQL2-JSON parser, and
the result is encoded back as CQL2-JSON, which pygeoapi 0.21 reads from the request body.
pygeofilter quirks handled here: its CQL2-JSON encoder cannot write envelopes and its parser
reads `{"bbox": [...]}` with the wrong axes, so bounding boxes travel as GeoJSON polygons.
Inputs are bounded (length, nesting) before any parser sees them.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace
from typing import Any

from pygeofilter import ast, values
from pygeofilter.backends.cql2_json import to_cql2

from app.errors import InvalidParameterError
from app.ogc.query import check_filter_size

MAX_FILTER_CHARS = 16 * 1024
MAX_JSON_DEPTH = 100
TEXT_LANGS = ("cql2-text", "cql-text")
JSON_LANGS = ("cql2-json", "cql-json")


class FilterError(ValueError):
    """A filter that cannot be read (answered 400 with this message)."""


def _polygon(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    ring = [[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]
    return {"type": "Polygon", "coordinates": [ring]}


def _bbox_as_polygon(node: Any) -> Any:
    """CQL2-JSON `{"bbox": [...]}` literals (2D or 3D) as GeoJSON polygons."""
    if isinstance(node, dict):
        bbox = node.get("bbox")
        if len(node) == 1 and isinstance(bbox, list) and len(bbox) in (4, 6):
            corners = bbox if len(bbox) == 4 else [bbox[0], bbox[1], bbox[3], bbox[4]]
            return _polygon(*corners)
        return {k: _bbox_as_polygon(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_bbox_as_polygon(v) for v in node]
    return node


def _box_corners(args: list[Any]) -> tuple[float, float, float, float] | None:
    if len(args) not in (4, 6) or not all(isinstance(a, int | float) for a in args):
        return None
    x1, y1, x2, y2 = args if len(args) == 4 else (args[0], args[1], args[3], args[4])
    return (float(x1), float(y1), float(x2), float(y2))


def _envelopes_as_geometries(node: Any) -> Any:
    """The AST with every box (ENVELOPE literal, CQL2 `BBOX(...)` literal, ECQL
    `BBOX(geom, ...)` predicate) written as the same box as a polygon."""
    if isinstance(node, values.Envelope):
        return values.Geometry(_polygon(node.x1, node.y1, node.x2, node.y2))
    if isinstance(node, ast.Function) and node.name.lower() == "bbox":
        corners = _box_corners(list(node.arguments))
        if corners is not None:
            return values.Geometry(_polygon(*corners))
    if isinstance(node, ast.BBox):
        box = values.Geometry(_polygon(node.minx, node.miny, node.maxx, node.maxy))
        return ast.GeometryIntersects(node.lhs, box)
    if isinstance(node, list):
        return [_envelopes_as_geometries(v) for v in node]
    if isinstance(node, ast.Node) and is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _envelopes_as_geometries(getattr(node, f.name)) for f in fields(node)}
        return replace(node, **changes)
    return node


def _check_json_depth(text: str) -> None:
    """Bound nesting before parsing (json.loads and the parsers recurse). Brackets inside
    strings are skipped."""
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
                raise FilterError(f"CQL2 JSON filter nested deeper than {MAX_JSON_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def parse_filter(text: str, lang: str | None) -> Any:
    """A pygeofilter AST for a filter in `lang` (None: CQL2 text).

    The parsers are imported on first use: building their grammars costs ~1 s of every
    server start."""
    from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
    from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
    from pygeofilter.parsers.ecql import parse as parse_ecql

    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(f"filter longer than {MAX_FILTER_CHARS} characters")
    language = (lang or "cql2-text").strip().lower()
    if language in JSON_LANGS:
        _check_json_depth(text)
        try:
            return parse_cql2_json(json.dumps(_bbox_as_polygon(json.loads(text))))
        except Exception as exc:  # noqa: BLE001 - json and the parser raise many kinds
            raise FilterError(f"bad CQL2 JSON filter: {str(exc)[:200]}") from None
    if language not in TEXT_LANGS:
        raise FilterError(f"filter-lang '{lang}' unknown; use cql2-text or cql2-json")
    try:
        return parse_cql2_text(text)
    except Exception as cql2_error:  # noqa: BLE001 - lark raises many kinds
        if lang is None or language == "cql-text":
            try:
                return parse_ecql(text)
            except Exception:  # noqa: BLE001
                pass
        raise FilterError(f"bad CQL2 text filter: {str(cql2_error)[:200]}") from None


def filter_body(text: str, lang: str | None) -> bytes:
    """The filter as a CQL2-JSON document (what pygeoapi parses from a request body)."""
    node = parse_filter(text, lang)
    try:
        check_filter_size(node)
    except InvalidParameterError as exc:
        raise FilterError(exc.message) from None
    try:
        return str(to_cql2(_envelopes_as_geometries(node))).encode()
    except Exception as exc:  # noqa: BLE001 - the encoder raises bare errors for unknown nodes
        raise FilterError(f"unsupported filter: {str(exc)[:200]}") from None
