"""In-memory feature queries shared by OGC API Features and WFS: bbox, ids, property equality,
pygeofilter ASTs (CQL2 / FES), sorting and paging over a precomputed FeatureTable.

No HTTP here: protocol layers parse their requests into a FeatureQuery and serialise the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely.geometry
from pygeofilter import ast

from app.domain.features import BBox, FeatureTable
from app.errors import InvalidParameterError

Predicate = Callable[[dict[str, Any]], bool]
MAX_FILTER_DEPTH = 30
MAX_FILTER_NODES = 500


@dataclass(frozen=True)
class SortKey:
    name: str
    ascending: bool = True


@dataclass(frozen=True)
class FeatureQuery:
    """What to select; `bbox_4326` is (minlon, minlat, maxlon, maxlat)."""

    bbox_4326: BBox | None = None
    ids: tuple[str, ...] | None = None
    equals: tuple[tuple[str, str], ...] = ()
    predicate: Predicate | None = None
    sortby: tuple[SortKey, ...] = ()
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class QueryResult:
    positions: list[int]
    number_matched: int


def check_filter_size(node: Any) -> None:
    """Bound a filter's depth and node count before compiling it (no pathological filters)."""
    count = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if depth > MAX_FILTER_DEPTH or count > MAX_FILTER_NODES:
            raise InvalidParameterError(
                f"filter too complex (at most depth {MAX_FILTER_DEPTH}, {MAX_FILTER_NODES} nodes)"
            )
        if isinstance(current, ast.Node):
            stack.extend((child, depth + 1) for child in current.get_sub_nodes())
        elif isinstance(current, list | tuple):
            stack.extend((child, depth + 1) for child in current)


def _attributes(node: Any) -> set[str]:
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Attribute):
            names.add(current.name)
        elif isinstance(current, ast.Node):
            stack.extend(current.get_sub_nodes())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return names


def compile_filter(node: Any, fields: dict[str, str], geometry_names: set[str]) -> Predicate:
    """A predicate over feature dicts (properties + 'geometry') from a pygeofilter AST.

    Unknown property names are rejected (the message lists the valid ones). A comparison with
    a null value is false (SQL semantics) instead of an error.
    """
    check_filter_size(node)
    unknown = _attributes(node) - set(fields) - geometry_names
    if unknown:
        raise InvalidParameterError(
            f"unknown properties {sorted(unknown)} in filter; valid: {', '.join(fields)}"
        )
    # Imported on first use, like the filter parsers (app.ogc.cql2): it loads dateparser.
    from pygeofilter.backends.native.evaluate import NativeEvaluator

    mapping = dict.fromkeys(geometry_names, "geometry")
    mapping["*"] = "*"
    try:
        compiled = NativeEvaluator(attribute_map=mapping, use_getattr=False).evaluate(node)
    except Exception as exc:  # pygeofilter raises bare exceptions for unsupported nodes
        raise InvalidParameterError(f"unsupported filter: {exc}") from None

    def predicate(item: dict[str, Any]) -> bool:
        try:
            return bool(compiled(item))
        except (TypeError, AttributeError, ValueError, KeyError):
            return False
        except NameError as exc:  # a function the evaluator does not know
            raise InvalidParameterError(f"unsupported filter function: {exc}") from None

    return predicate


def _coerce(value: str, kind: str) -> object:
    if kind in ("number", "integer"):
        try:
            return float(value)
        except ValueError:
            raise InvalidParameterError(f"'{value}' is not a number") from None
    return value


def _matches_equals(props: dict[str, Any], equals: tuple[tuple[str, object], ...]) -> bool:
    for name, expected in equals:
        actual = props.get(name)
        if actual is None:
            return False
        if isinstance(expected, float):
            if not math.isclose(float(actual), expected):
                return False
        elif str(actual) != expected:
            return False
    return True


def _sort_value(value: object) -> tuple[int, Any]:
    # Nulls last in ascending order; numbers and text never compared with each other.
    if value is None:
        return (2, 0)
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


def run_query(table: FeatureTable, query: FeatureQuery) -> QueryResult:
    """Positions of matching features (after offset/limit) and the total number matched."""
    positions: np.ndarray = np.arange(len(table))
    if query.ids is not None:
        wanted = [table.position(i) for i in query.ids]
        positions = np.array([p for p in wanted if p is not None], dtype=int)
    if query.bbox_4326 is not None and len(positions):
        minx, miny, maxx, maxy = query.bbox_4326
        b = table.bounds[positions]
        inside = (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
        positions = positions[inside]
        if len(positions):
            box = shapely.geometry.box(*query.bbox_4326)
            positions = np.array(
                [p for p in positions if table.geometries[p].intersects(box)], dtype=int
            )
    selected = [int(p) for p in positions]
    if query.equals:
        typed = tuple((n, _coerce(v, table.fields.get(n, "string"))) for n, v in query.equals)
        selected = [p for p in selected if _matches_equals(table.properties[p], typed)]
    if query.predicate is not None:
        predicate = query.predicate
        selected = [
            p
            for p in selected
            if predicate({**table.properties[p], "geometry": table.geometries[p]})
        ]
    for key in reversed(query.sortby):  # stable sorts, last key first
        name = key.name

        def sort_key(position: int, name: str = name) -> tuple[int, Any]:
            return _sort_value(table.properties[position].get(name))

        selected.sort(key=sort_key, reverse=not key.ascending)
    matched = len(selected)
    end = None if query.limit is None else query.offset + query.limit
    return QueryResult(selected[query.offset : end], matched)


def check_sort_keys(keys: tuple[SortKey, ...], fields: dict[str, str]) -> tuple[SortKey, ...]:
    for key in keys:
        if key.name not in fields:
            raise InvalidParameterError(f"cannot sort by '{key.name}'; valid: {', '.join(fields)}")
    return keys
