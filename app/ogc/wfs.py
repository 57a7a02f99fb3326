"""WFS 2.0.0 (Simple and Basic conformance) over the precomputed feature tables.

Operations: GetCapabilities, DescribeFeatureType, ListStoredQueries, DescribeStoredQueries,
GetFeature (TYPENAMES, BBOX, RESOURCEID, FILTER (FES 2.0), SORTBY, COUNT, STARTINDEX,
RESULTTYPE, SRSNAME, OUTPUTFORMAT GML 3.2 / GeoJSON) and the GetFeatureById stored query, by KVP
(GET) and XML (POST). Protocol only: features come from app.domain.features, filtering from
app.ogc.query; errors are OgcError (rendered as an OWS ExceptionReport by the endpoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import orjson
import shapely
from lxml import etree
from markupsafe import Markup

from app.domain.features import FeatureTable
from app.errors import AppError, InvalidParameterError
from app.ogc.context import OgcContext
from app.ogc.crs import CrsInfo, parse_crs, transformer
from app.ogc.exceptions import OgcError
from app.ogc.fes import filter_root, parse_filter, resource_ids
from app.ogc.gml import NS, PREFIX, GmlCache, feature_gml
from app.ogc.query import FeatureQuery, SortKey, check_sort_keys, compile_filter, run_query
from app.ogc.templating import render
from app.ogc.wfs_documents import capabilities_xml, describe_feature_type_xml, stored_queries_xml
from app.ogc.xmlsafe import parse_xml
from app.params import parse_bbox

VERSIONS = ("2.0.0", "2.0.2")
DEFAULT_SRS = "urn:ogc:def:crs:EPSG::4326"
GML32 = "application/gml+xml; version=3.2"
GML_FORMATS = {
    "application/gml+xml; version=3.2",
    "application/gml+xml;version=3.2",
    "text/xml; subtype=gml/3.2",
    "text/xml; subtype=gml/3.2.1",
    "text/xml;subtype=gml/3.2",
    "gml32",
    "gml3",
    "application/xml",
    "text/xml",
}
JSON_FORMATS = {"application/json", "json", "geojson", "application/geo+json"}
GET_FEATURE_BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
MAX_COUNT = 10000
FES_NS = "http://www.opengis.net/fes/2.0"


@dataclass(frozen=True)
class OgcResponse:
    body: bytes
    media_type: str
    status: int = 200


@dataclass
class QuerySpec:
    """One query of a GetFeature (a KVP type name or a wfs:Query)."""

    typename: str
    bbox: str | None = None
    resource_ids: list[str] | None = None
    filter: etree._Element | None = None
    sortby: str | None = None
    srsname: str | None = None
    property_names: list[str] | None = None


@dataclass
class GetFeatureRequest:
    queries: list[QuerySpec] = field(default_factory=list)
    count: str | None = None
    startindex: str | None = None
    resulttype: str = "results"
    srsname: str | None = None
    outputformat: str = GML32
    stored_query: str | None = None
    stored_id: str | None = None
    kvp: dict[str, str] | None = None  # the KVP request, for next/previous links


@dataclass(frozen=True)
class QueryResultSet:
    table: FeatureTable
    positions: list[int]
    crs: CrsInfo
    srs_name: str
    property_names: list[str] | None


@dataclass(frozen=True)
class MemberBlock:
    """Encoded members of one query's page (XML already escaped by app.ogc.gml)."""

    members: list[Markup]
    matched: int


def _kvp_url(base_url: str, params: dict[str, str], start: int) -> str:
    query = {**params, "STARTINDEX": str(start)}
    return f"{base_url}/wfs?{urlencode(query)}"


def _groups(text: str) -> list[str] | None:
    """The items of a KVP parenthesised list `(a)(b)`, or None when `text` is not one."""
    stripped = text.strip()
    if not stripped.startswith("(") or not stripped.endswith(")"):
        return None
    return [part.strip() for part in re.split(r"\)\s*\(", stripped[1:-1])]


def _int_param(value: str | None, name: str, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise OgcError("InvalidParameterValue", f"{name} must be an integer", name) from None
    if number < 0:
        raise OgcError("InvalidParameterValue", f"{name} must not be negative", name)
    return number


class WfsService:
    """Answers WFS requests; holds only caches (encoded GML members, capabilities)."""

    def __init__(self, context: OgcContext) -> None:
        self.context = context
        self.gml = GmlCache()

    # ---- dispatch -------------------------------------------------------------------------
    def handle_kvp(self, params: dict[str, str], base_url: str) -> OgcResponse:
        """`params` has upper-cased keys; `base_url` is the service root (for links)."""
        service = params.get("SERVICE")
        if service is not None and service.upper() != "WFS":
            raise OgcError(
                "InvalidParameterValue", f"SERVICE must be WFS, not '{service}'", "service"
            )
        request = params.get("REQUEST")
        if not request:
            raise OgcError("MissingParameterValue", "REQUEST is required", "request")
        name = request.lower()
        if name == "getcapabilities":
            self._check_accept_versions(params.get("ACCEPTVERSIONS"))
            return self.get_capabilities(base_url)
        self._check_version(params.get("VERSION"))
        if name == "describefeaturetype":
            names = params.get("TYPENAMES") or params.get("TYPENAME")
            return self.describe_feature_type(self._split(names) if names else None)
        if name == "liststoredqueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=False), "text/xml")
        if name == "describestoredqueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=True), "text/xml")
        if name == "getfeature":
            return self.get_feature(self._kvp_get_feature(params), base_url)
        raise OgcError("OperationNotSupported", f"unknown request '{request}'", "request")

    def handle_xml(self, body: bytes, base_url: str) -> OgcResponse:
        root = parse_xml(body)
        op = etree.QName(root).localname
        if root.get("service", "WFS").upper() != "WFS":
            raise OgcError("InvalidParameterValue", "service must be WFS", "service")
        if op == "GetCapabilities":
            return self.get_capabilities(base_url)
        self._check_version(root.get("version"))
        if op == "DescribeFeatureType":
            names = [
                e.text.strip() for e in root if etree.QName(e).localname == "TypeName" and e.text
            ]
            return self.describe_feature_type(names or None)
        if op == "ListStoredQueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=False), "text/xml")
        if op == "DescribeStoredQueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=True), "text/xml")
        if op == "GetFeature":
            return self.get_feature(self._xml_get_feature(root), base_url)
        raise OgcError("OperationNotSupported", f"unknown request '{op}'", "request")

    @staticmethod
    def _split(text: str) -> list[str]:
        return [part.strip() for part in text.strip("()").split(",") if part.strip()]

    @staticmethod
    def _check_version(version: str | None) -> None:
        if version is not None and version not in VERSIONS:
            raise OgcError(
                "InvalidParameterValue", f"version '{version}' not supported; use 2.0.0", "version"
            )

    @staticmethod
    def _check_accept_versions(accept: str | None) -> None:
        if accept and not any(v.strip() in VERSIONS for v in accept.split(",")):
            raise OgcError(
                "VersionNegotiationFailed", "this server speaks WFS 2.0.0", "AcceptVersions"
            )

    # ---- operations -----------------------------------------------------------------------
    def get_capabilities(self, base_url: str) -> OgcResponse:
        catalog = self.context.holder.catalog
        tables = [self.context.table(layer.id, catalog) for layer in self.context.layers]
        abstracts = {t.layer.id: self.context.abstract(t.layer, catalog) for t in tables}
        return OgcResponse(capabilities_xml(base_url, tables, abstracts), "text/xml")

    def _table(self, typename: str) -> FeatureTable:
        local = typename.split(":", 1)[-1]
        if self.context.layers.get(local) is None:
            raise OgcError(
                "InvalidParameterValue",
                f"unknown type name '{typename}'; valid: "
                + ", ".join(f"{PREFIX}:{i}" for i in self.context.layers.ids()),
                "typeNames",
            )
        return self.context.table(local)

    def describe_feature_type(self, typenames: list[str] | None) -> OgcResponse:
        names = typenames or [f"{PREFIX}:{i}" for i in self.context.layers.ids()]
        layers = [self._table(n).layer for n in names]
        return OgcResponse(describe_feature_type_xml(layers), "application/gml+xml; version=3.2")

    def _kvp_get_feature(self, params: dict[str, str]) -> GetFeatureRequest:
        request = GetFeatureRequest(
            count=params.get("COUNT") or params.get("MAXFEATURES"),
            startindex=params.get("STARTINDEX"),
            resulttype=(params.get("RESULTTYPE") or "results").lower(),
            srsname=params.get("SRSNAME"),
            outputformat=params.get("OUTPUTFORMAT") or GML32,
            stored_query=params.get("STOREDQUERY_ID"),
            stored_id=params.get("ID"),
            kvp=params,
        )
        exclusive = [k for k in ("BBOX", "RESOURCEID", "FILTER") if params.get(k)]
        if len(exclusive) > 1:
            raise OgcError(
                "OperationParsingFailed",
                f"{', '.join(exclusive)} are mutually exclusive",
                exclusive[1].lower(),
            )
        text = params.get("TYPENAMES") or params.get("TYPENAME") or ""
        names = _groups(text) or self._split(text)
        if any("," in name for name in names):
            raise OgcError("OperationParsingFailed", "joins are not supported", "typeNames")
        filters = self._per_query(params.get("FILTER"), len(names), "FILTER")
        properties = self._per_query(params.get("PROPERTYNAME"), len(names), "PROPERTYNAME")
        for name, fes, props in zip(names, filters, properties, strict=True):
            query = QuerySpec(
                name,
                bbox=params.get("BBOX"),
                sortby=params.get("SORTBY"),
                srsname=params.get("SRSNAME"),
                filter=filter_root(fes) if fes else None,
                property_names=self._split(props) if props else None,
            )
            if params.get("RESOURCEID"):
                query.resource_ids = self._split(params["RESOURCEID"])
            request.queries.append(query)
        return request

    @staticmethod
    def _per_query(text: str | None, count: int, name: str) -> list[str | None]:
        """A KVP value for each of `count` queries: one for all, or a `(a)(b)` list."""
        if not text:
            return [None] * count
        groups = _groups(text) if count > 1 else None
        if groups is None:
            return [text] * count
        if len(groups) != count:
            raise OgcError("InvalidParameterValue", f"{name} needs one (value) per type name", name)
        return list(groups)

    def _xml_get_feature(self, root: etree._Element) -> GetFeatureRequest:
        request = GetFeatureRequest(
            count=root.get("count"),
            startindex=root.get("startIndex"),
            resulttype=(root.get("resultType") or "results").lower(),
            outputformat=root.get("outputFormat") or GML32,
        )
        queries = [e for e in root if isinstance(e.tag, str)]
        if not queries:
            raise OgcError("OperationParsingFailed", "GetFeature needs a wfs:Query", "Query")
        first = queries[0]
        if etree.QName(first).localname == "StoredQuery":
            request.stored_query = first.get("id")
            for param in first:
                if isinstance(param.tag, str) and param.get("name", "").upper() == "ID":
                    request.stored_id = (param.text or "").strip()
            return request
        for query in queries:
            request.queries.extend(self._xml_query(query))
        return request

    def _xml_query(self, query: etree._Element) -> list[QuerySpec]:
        local = etree.QName(query).localname
        if local != "Query":
            raise OgcError("OperationParsingFailed", f"unexpected element '{local}'", "Query")
        names = self._split(query.get("typeNames", ""))
        if len(names) != 1:
            raise OgcError("OperationParsingFailed", "one type name per wfs:Query", "typeNames")
        spec = QuerySpec(names[0], srsname=query.get("srsName"))
        properties = []
        for child in query:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "Filter":
                spec.filter = filter_root(child)
            elif name == "PropertyName" and child.text:
                properties.append(child.text.strip())
            elif name == "SortBy":
                spec.sortby = ",".join(
                    f"{p.findtext(f'{{{FES_NS}}}ValueReference', '').strip()} "
                    f"{p.findtext(f'{{{FES_NS}}}SortOrder', 'ASC').strip()}"
                    for p in child
                    if isinstance(p.tag, str)
                )
        spec.property_names = properties or None
        return [spec]

    def _sort_keys(self, text: str | None, table: FeatureTable) -> tuple[SortKey, ...]:
        if not text:
            return ()
        keys = []
        for part in text.split(","):
            words = part.split()
            if not words:
                continue
            name = words[0].split(":", 1)[-1]
            order = words[1].upper() if len(words) > 1 else "ASC"
            if order not in ("ASC", "DESC", "A", "D"):
                raise OgcError("InvalidParameterValue", f"bad sort order '{order}'", "sortBy")
            keys.append(SortKey(name, order in ("ASC", "A")))
        try:
            return check_sort_keys(tuple(keys), table.fields)
        except AppError as exc:
            raise OgcError("InvalidParameterValue", exc.message, "sortBy") from None

    def _bbox(self, text: str, default_crs: CrsInfo) -> tuple[float, float, float, float]:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) not in (4, 5):
            raise OgcError(
                "InvalidParameterValue", "BBOX needs 4 numbers and an optional CRS", "bbox"
            )
        try:
            a, b, c, d = parse_bbox(",".join(parts[:4]), "BBOX")
        except InvalidParameterError as exc:
            raise OgcError("InvalidParameterValue", exc.message, "bbox") from None
        crs = (
            parse_crs(parts[4], False, "InvalidParameterValue") if len(parts) == 5 else default_crs
        )
        if crs.is_lat_lon:
            a, b, c, d = b, a, d, c
        if a > c or b > d:
            raise OgcError("InvalidParameterValue", "BBOX minimum exceeds maximum", "bbox")
        if crs.epsg != 4326:
            a, b, c, d = transformer(crs.epsg, 4326).transform_bounds(a, b, c, d)
        return (a, b, c, d)

    def get_feature(self, request: GetFeatureRequest, base_url: str) -> OgcResponse:
        if request.stored_query is not None:
            return self._stored_query(request, base_url)
        if not request.queries:
            raise OgcError("MissingParameterValue", "TYPENAMES is required", "typeNames")
        fmt = request.outputformat.strip().lower().replace('"', "")
        if fmt not in GML_FORMATS and fmt not in JSON_FORMATS:
            raise OgcError(
                "InvalidParameterValue",
                f"unknown outputFormat '{request.outputformat}'; use {GML32} or application/json",
                "outputFormat",
            )
        if request.resulttype not in ("results", "hits"):
            raise OgcError("InvalidParameterValue", "RESULTTYPE is results or hits", "resultType")
        count = min(_int_param(request.count, "count", MAX_COUNT) or 0, MAX_COUNT)
        start = _int_param(request.startindex, "startIndex", 0) or 0
        results = [self._run(query) for query in request.queries]
        matched = sum(len(r.positions) for r in results)
        # COUNT and STARTINDEX page through the queries' results one after the other.
        wanted = 0 if request.resulttype == "hits" else count
        pages: list[QueryResultSet] = []
        skip = start
        for result in results:
            chosen = result.positions[skip : skip + wanted] if wanted else []
            skip = max(0, skip - len(result.positions))
            wanted -= len(chosen)
            pages.append(replace(result, positions=chosen))
        links = self._paging_links(request, base_url, start, count, matched)
        if fmt in JSON_FORMATS:
            return self._geojson(pages, matched, base_url, links)
        return OgcResponse(self._gml_response(pages, matched, base_url, links), GML32)

    def _run(self, spec: QuerySpec) -> QueryResultSet:
        table = self._table(spec.typename)
        srs_name = spec.srsname or DEFAULT_SRS
        crs = parse_crs(srs_name, False, "InvalidParameterValue")
        names = self._property_names(spec.property_names, table)
        query = FeatureQuery(
            bbox_4326=self._bbox(spec.bbox, parse_crs(DEFAULT_SRS, True)) if spec.bbox else None,
            ids=self._ids(spec.resource_ids, table) if spec.resource_ids is not None else None,
            predicate=self._predicate(spec.filter, table, crs) if spec.filter is not None else None,
            sortby=self._sort_keys(spec.sortby, table),
        )
        if spec.filter is not None and query.ids is None:
            rids = resource_ids(spec.filter)
            if rids is not None:
                query = FeatureQuery(ids=self._ids(rids, table), sortby=query.sortby)
        return QueryResultSet(table, run_query(table, query).positions, crs, srs_name, names)

    @staticmethod
    def _property_names(names: list[str] | None, table: FeatureTable) -> list[str] | None:
        if not names:
            return None
        local = [name.split(":", 1)[-1] for name in names]
        unknown = [n for n in local if n not in table.fields and n != "geometry"]
        if unknown:
            raise OgcError(
                "InvalidParameterValue",
                f"unknown properties {unknown}; valid: geometry, {', '.join(table.fields)}",
                "PROPERTYNAME",
            )
        return local

    @staticmethod
    def _paging_links(
        request: GetFeatureRequest, base_url: str, start: int, count: int, matched: int
    ) -> dict[str, str]:
        """WFS 2.0 §7.7.4.4: `next` and `previous` of a paged KVP GetFeature."""
        if request.kvp is None or request.resulttype == "hits" or count == 0:
            return {}
        links = {}
        if start + count < matched:
            links["next"] = _kvp_url(base_url, request.kvp, start + count)
        if start > 0:
            links["previous"] = _kvp_url(base_url, request.kvp, max(0, start - count))
        return links

    @staticmethod
    def _ids(ids: list[str], table: FeatureTable) -> tuple[str, ...]:
        prefix = f"{table.layer.id}."
        return tuple(i[len(prefix) :] if i.startswith(prefix) else i for i in ids)

    def _predicate(self, root: etree._Element, table: FeatureTable, crs: CrsInfo):  # type: ignore[no-untyped-def]
        if resource_ids(root) is not None:
            return None
        node = parse_filter(root, table.fields, crs)
        try:
            return compile_filter(node, table.fields, {"geometry", "geom", "the_geom"})
        except AppError as exc:
            raise OgcError("InvalidParameterValue", exc.message, "filter") from None

    def _gml_response(
        self,
        pages: list[QueryResultSet],
        matched: int,
        base_url: str,
        links: dict[str, str],
    ) -> bytes:
        """One wfs:FeatureCollection; with several queries, one nested collection per query
        (WFS 2.0 §11.3.3.5)."""
        blocks = []
        for page in pages:
            if page.property_names is None:
                members = self.gml.encode(
                    page.table, page.positions, page.crs, page.srs_name, base_url
                )
            else:
                members = [
                    feature_gml(
                        page.table, p, page.crs, page.srs_name, base_url, page.property_names
                    )
                    for p in page.positions
                ]
            blocks.append(MemberBlock([Markup(m) for m in members], len(page.positions)))
        type_names = ",".join(f"{PREFIX}:{page.table.layer.id}" for page in pages)
        describe_url = (
            f"{base_url}/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType"
            f"&TYPENAMES={type_names}"
        )
        document = render(
            "wfs/feature_collection.xml",
            nested=len(pages) > 1,
            pages=blocks,
            matched=matched,
            returned=sum(len(b.members) for b in blocks),
            stamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            links=links,
            prefix=PREFIX,
            ns=NS,
            describe_url=describe_url,
        )
        return document.lstrip().encode()

    def _geojson(
        self,
        pages: list[QueryResultSet],
        matched: int,
        base_url: str,
        links: dict[str, str],
    ) -> OgcResponse:
        features = []
        for page in pages:
            names = page.property_names
            for p in page.positions:
                props = None if names is None else [n for n in names if n != "geometry"]
                feature = page.table.geojson_feature(p, base_url, props)
                geom = page.table.geometries[p]
                if names is not None and "geometry" not in names:
                    feature["geometry"] = None
                elif page.crs.epsg != 4326 and geom is not None:
                    to_crs = transformer(4326, page.crs.epsg).transform
                    feature["geometry"] = shapely.geometry.mapping(
                        shapely.ops.transform(to_crs, geom)
                    )
                features.append(feature)
        doc = {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "features": features,
            "links": [
                {"rel": rel, "href": href, "type": "application/geo+json"}
                for rel, href in links.items()
            ],
        }
        return OgcResponse(orjson.dumps(doc), "application/geo+json")

    def _stored_query(self, request: GetFeatureRequest, base_url: str) -> OgcResponse:
        if request.stored_query != GET_FEATURE_BY_ID:
            raise OgcError(
                "InvalidParameterValue",
                f"unknown stored query '{request.stored_query}'",
                "STOREDQUERY_ID",
            )
        if not request.stored_id:
            raise OgcError("MissingParameterValue", "GetFeatureById needs ID", "ID")
        layer_id, _, code = request.stored_id.partition(".")
        if not code or self.context.layers.get(layer_id) is None:
            raise OgcError("NotFound", f"no feature '{request.stored_id}'", "ID", status=404)
        table = self.context.table(layer_id)
        position = table.position(code)
        if position is None:
            raise OgcError("NotFound", f"no feature '{request.stored_id}'", "ID", status=404)
        srs_name = request.srsname or DEFAULT_SRS
        crs = parse_crs(srs_name, False, "InvalidParameterValue")
        fmt = request.outputformat.strip().lower()
        if fmt in JSON_FORMATS:
            return OgcResponse(
                orjson.dumps(table.geojson_feature(position, base_url)), "application/geo+json"
            )
        # The stored query returns the feature itself, with its namespaces declared on it.
        document = feature_gml(table, position, crs, srs_name, base_url, standalone=True)
        return OgcResponse(document.encode(), GML32)
