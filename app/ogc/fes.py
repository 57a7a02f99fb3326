"""FES 2.0 filters (WFS) into the in-memory query: parsed with pygeofilter, with its quirks fixed.

Measured pygeofilter quirks handled here (see DESIGN.md): FES literals come back as strings (we
coerce them by the property's type); CRS84 srsName URIs fail and EPSG:4326 axis order is applied
to geometries but not to envelopes (we normalise every coordinate to lon/lat ourselves and drop
srsName before pygeofilter sees it); fes:ResourceId is read here.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pygeofilter import ast

from app.errors import InvalidParameterError
from app.ogc.crs import CrsInfo, parse_crs
from app.ogc.exceptions import OgcError
from app.ogc.xmlsafe import parse_xml

FES = "http://www.opengis.net/fes/2.0"
GML = "http://www.opengis.net/gml/3.2"
GML_OLD = "http://www.opengis.net/gml"
_COORD_TAGS = {"pos", "posList", "lowerCorner", "upperCorner"}


def _swap_pairs(text: str) -> str:
    numbers = text.split()
    if len(numbers) % 2:
        raise OgcError("InvalidParameterValue", "odd number of coordinates in filter", "FILTER")
    out = []
    for i in range(0, len(numbers), 2):
        out += [numbers[i + 1], numbers[i]]
    return " ".join(out)


def _normalise_geometries(root: etree._Element, default_crs: CrsInfo) -> None:
    """Put every GML coordinate in lon/lat order and remove srsName (pygeofilter mishandles it)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        ns = etree.QName(element).namespace
        if ns not in (GML, GML_OLD):
            continue
        srs = element.get("srsName")
        if srs is not None:
            crs = parse_crs(srs, short_4326_is_lat_lon=False, code="InvalidParameterValue")
            if crs.epsg != 4326:
                raise OgcError(
                    "InvalidParameterValue",
                    "filter geometries must be in EPSG:4326 or CRS84",
                    "FILTER",
                )
            del element.attrib["srsName"]
            is_lat_lon = crs.is_lat_lon
        else:
            is_lat_lon = default_crs.is_lat_lon
        for child in element.iter():
            if not isinstance(child.tag, str) or child.get("_siep_done"):
                continue
            if etree.QName(child).localname in _COORD_TAGS and child.text:
                if is_lat_lon:
                    child.text = _swap_pairs(child.text)
                child.set("_siep_done", "1")
    for element in root.iter():
        if isinstance(element.tag, str) and "_siep_done" in element.attrib:
            del element.attrib["_siep_done"]


def resource_ids(root: etree._Element) -> list[str] | None:
    """The rids of a filter made only of fes:ResourceId elements, else None."""
    children = [c for c in root if isinstance(c.tag, str)]
    if children and all(etree.QName(c).localname == "ResourceId" for c in children):
        return [str(c.get("rid", "")) for c in children]
    return None


def _coerce(value: Any, kind: str) -> Any:
    if kind in ("number", "integer") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise InvalidParameterError(f"'{value}' is not a number") from None
    return value


def _coerce_literals(node: Any, fields: dict[str, str]) -> None:
    """Turn FES string literals compared with numeric properties into numbers (in place)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, ast.Node):
            continue
        if isinstance(current, ast.Comparison):
            if isinstance(current.lhs, ast.Attribute):
                current.rhs = _coerce(current.rhs, fields.get(current.lhs.name, "string"))
            elif isinstance(current.rhs, ast.Attribute):
                current.lhs = _coerce(current.lhs, fields.get(current.rhs.name, "string"))
        elif isinstance(current, ast.Between) and isinstance(current.lhs, ast.Attribute):
            kind = fields.get(current.lhs.name, "string")
            current.low = _coerce(current.low, kind)
            current.high = _coerce(current.high, kind)
        elif isinstance(current, ast.In) and isinstance(current.lhs, ast.Attribute):
            kind = fields.get(current.lhs.name, "string")
            current.sub_nodes = [_coerce(v, kind) for v in current.sub_nodes]
        stack.extend(current.get_sub_nodes())


def filter_root(xml: str | bytes | etree._Element) -> etree._Element:
    """The fes:Filter element of a FILTER parameter or POST query (parsed safely)."""
    root = xml if isinstance(xml, etree._Element) else parse_xml(xml, "FILTER")
    if etree.QName(root).localname != "Filter":
        raise OgcError("InvalidParameterValue", "the filter root must be fes:Filter", "FILTER")
    return root


def parse_filter(root: etree._Element, fields: dict[str, str], default_crs: CrsInfo) -> Any:
    """A pygeofilter AST for an fes:Filter (coordinates normalised to lon/lat)."""
    # Imported on first use, like the CQL2 parsers (app.ogc.cql2): it loads dateparser.
    from pygeofilter.parsers.fes import parse as parse_fes

    _normalise_geometries(root, default_crs)
    try:
        node = parse_fes(root)
    except OgcError:
        raise
    except Exception as exc:  # pygeofilter/pygml raise assorted errors for bad filters
        raise OgcError("InvalidParameterValue", f"unsupported filter: {exc}", "FILTER") from None
    if node is None:
        raise OgcError("InvalidParameterValue", "empty filter", "FILTER")
    _coerce_literals(node, fields)
    return node
