"""WFS 2.0.0 (Simple and Basic conformance) over the precomputed feature tables.

Operations: GetCapabilities, DescribeFeatureType, ListStoredQueries, DescribeStoredQueries,
GetFeature (TYPENAMES, BBOX, RESOURCEID, FILTER (FES 2.0), SORTBY, COUNT, STARTINDEX,
RESULTTYPE, SRSNAME, OUTPUTFORMAT GML 3.2 / GeoJSON) and the GetFeatureById stored query, by KVP
(GET) and XML (POST). Protocol only: features come from app.ogc.features, filtering from
app.ogc.query; errors are OgcError (rendered as an OWS ExceptionReport by the endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import shapely
from lxml import etree

from app.errors import AppError, InvalidParameterError
from app.ogc.context import OgcContext
from app.ogc.crs import CrsInfo, parse_crs, transformer
from app.ogc.exceptions import OgcError
from app.ogc.features import FeatureTable
from app.ogc.fes import filter_root, parse_filter, resource_ids
from app.ogc.gml import NS, PREFIX, GmlCache
from app.ogc.query import FeatureQuery, SortKey, check_sort_keys, compile_filter, run_query
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
WFS_NS = "http://www.opengis.net/wfs/2.0"
FES_NS = "http://www.opengis.net/fes/2.0"


@dataclass(frozen=True)
class OgcResponse:
    body: bytes
    media_type: str
    status: int = 200


@dataclass
class GetFeatureRequest:
    typenames: list[str] = field(default_factory=list)
    bbox: str | None = None
    resource_ids: list[str] | None = None
    filter: etree._Element | None = None
    sortby: str | None = None
    count: str | None = None
    startindex: str | None = None
    resulttype: str = "results"
    srsname: str | None = None
    outputformat: str = GML32
    stored_query: str | None = None
    stored_id: str | None = None


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
        self.url = f"{context.settings.public_url}/wfs"

    # ---- dispatch -------------------------------------------------------------------------
    def handle_kvp(self, params: dict[str, str]) -> OgcResponse:
        """`params` has upper-cased keys."""
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
            return self.get_capabilities()
        self._check_version(params.get("VERSION"))
        if name == "describefeaturetype":
            names = params.get("TYPENAMES") or params.get("TYPENAME")
            return self.describe_feature_type(self._split(names) if names else None)
        if name == "liststoredqueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=False), "text/xml")
        if name == "describestoredqueries":
            return OgcResponse(stored_queries_xml(self.context.layers, describe=True), "text/xml")
        if name == "getfeature":
            return self.get_feature(self._kvp_get_feature(params))
        raise OgcError("OperationNotSupported", f"unknown request '{request}'", "request")

    def handle_xml(self, body: bytes) -> OgcResponse:
        root = parse_xml(body)
        op = etree.QName(root).localname
        if root.get("service", "WFS").upper() != "WFS":
            raise OgcError("InvalidParameterValue", "service must be WFS", "service")
        if op == "GetCapabilities":
            return self.get_capabilities()
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
            return self.get_feature(self._xml_get_feature(root))
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
    def get_capabilities(self) -> OgcResponse:
        tables = [self.context.table(layer.id) for layer in self.context.layers]
        return OgcResponse(capabilities_xml(self.url, tables, self.context.settings), "text/xml")

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
            bbox=params.get("BBOX"),
            sortby=params.get("SORTBY"),
            count=params.get("COUNT") or params.get("MAXFEATURES"),
            startindex=params.get("STARTINDEX"),
            resulttype=(params.get("RESULTTYPE") or "results").lower(),
            srsname=params.get("SRSNAME"),
            outputformat=params.get("OUTPUTFORMAT") or GML32,
            stored_query=params.get("STOREDQUERY_ID"),
            stored_id=params.get("ID"),
        )
        names = params.get("TYPENAMES") or params.get("TYPENAME")
        request.typenames = self._split(names) if names else []
        if params.get("RESOURCEID"):
            request.resource_ids = self._split(params["RESOURCEID"])
        if params.get("FILTER"):
            request.filter = filter_root(params["FILTER"])
        exclusive = [k for k in ("BBOX", "RESOURCEID", "FILTER") if params.get(k)]
        if len(exclusive) > 1:
            raise OgcError(
                "OperationParsingFailed",
                f"{', '.join(exclusive)} are mutually exclusive",
                exclusive[1].lower(),
            )
        return request

    def _xml_get_feature(self, root: etree._Element) -> GetFeatureRequest:
        request = GetFeatureRequest(
            count=root.get("count"),
            startindex=root.get("startIndex"),
            resulttype=(root.get("resultType") or "results").lower(),
            outputformat=root.get("outputFormat") or GML32,
        )
        queries = [e for e in root if isinstance(e.tag, str)]
        if len(queries) != 1:
            raise OgcError("OperationParsingFailed", "exactly one wfs:Query is supported", "Query")
        query = queries[0]
        local = etree.QName(query).localname
        if local == "StoredQuery":
            request.stored_query = query.get("id")
            for param in query:
                if isinstance(param.tag, str) and param.get("name", "").upper() == "ID":
                    request.stored_id = (param.text or "").strip()
            return request
        if local != "Query":
            raise OgcError("OperationParsingFailed", f"unexpected element '{local}'", "Query")
        request.typenames = self._split(query.get("typeNames", ""))
        request.srsname = query.get("srsName")
        for child in query:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "Filter":
                request.filter = filter_root(child)
            elif name == "SortBy":
                request.sortby = ",".join(
                    f"{p.findtext(f'{{{FES_NS}}}ValueReference', '').strip()} "
                    f"{p.findtext(f'{{{FES_NS}}}SortOrder', 'ASC').strip()}"
                    for p in child
                    if isinstance(p.tag, str)
                )
        return request

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

    def get_feature(self, request: GetFeatureRequest) -> OgcResponse:
        if request.stored_query is not None:
            return self._stored_query(request)
        if not request.typenames:
            raise OgcError("MissingParameterValue", "TYPENAMES is required", "typeNames")
        if len(request.typenames) > 1:
            raise OgcError("InvalidParameterValue", "one type name per request", "typeNames")
        table = self._table(request.typenames[0])
        srs_name = request.srsname or DEFAULT_SRS
        crs = parse_crs(srs_name, False, "InvalidParameterValue")
        fmt = request.outputformat.strip().lower().replace('"', "")
        if fmt not in GML_FORMATS and fmt not in JSON_FORMATS:
            raise OgcError(
                "InvalidParameterValue",
                f"unknown outputFormat '{request.outputformat}'; use {GML32} or application/json",
                "outputFormat",
            )
        if request.resulttype not in ("results", "hits"):
            raise OgcError("InvalidParameterValue", "RESULTTYPE is results or hits", "resultType")
        count = _int_param(request.count, "count", MAX_COUNT)
        start = _int_param(request.startindex, "startIndex", 0) or 0
        query = FeatureQuery(
            bbox_4326=self._bbox(request.bbox, parse_crs(DEFAULT_SRS, True))
            if request.bbox
            else None,
            ids=self._ids(request.resource_ids, table)
            if request.resource_ids is not None
            else None,
            predicate=self._predicate(request.filter, table, crs)
            if request.filter is not None
            else None,
            sortby=self._sort_keys(request.sortby, table),
            offset=start,
            limit=0 if request.resulttype == "hits" else min(count or 0, MAX_COUNT),
        )
        if request.filter is not None and query.ids is None:
            rids = resource_ids(request.filter)
            if rids is not None:
                query = FeatureQuery(
                    ids=self._ids(rids, table),
                    sortby=query.sortby,
                    offset=query.offset,
                    limit=query.limit,
                )
        result = run_query(table, query)
        if fmt in JSON_FORMATS:
            return self._geojson(table, result.positions, result.number_matched, crs)
        members = self.gml.encode(table, result.positions, crs, srs_name)
        return OgcResponse(self._collection(table, members, result.number_matched), GML32)

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

    def _collection(self, table: FeatureTable, members: list[str], matched: int) -> bytes:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        schema = (
            f"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd "
            f"http://www.opengis.net/gml/3.2 http://schemas.opengis.net/gml/3.2.1/gml.xsd "
            f"{NS} {self.url}?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=DescribeFeatureType"
            f"&amp;TYPENAMES={PREFIX}:{table.layer.id}"
        )
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<wfs:FeatureCollection xmlns:wfs="{WFS_NS}" '
            'xmlns:gml="http://www.opengis.net/gml/3.2" '
            f'xmlns:{PREFIX}="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{schema}" timeStamp="{stamp}" '
            f'numberMatched="{matched}" numberReturned="{len(members)}">'
        )
        body = "".join(f"<wfs:member>{m}</wfs:member>" for m in members)
        return (head + body + "</wfs:FeatureCollection>").encode()

    def _geojson(
        self, table: FeatureTable, positions: list[int], matched: int, crs: CrsInfo
    ) -> OgcResponse:
        features = []
        for p in positions:
            feature = table.geojson_feature(p)
            if crs.epsg != 4326 and table.geometries[p] is not None:
                geom = shapely.ops.transform(
                    transformer(4326, crs.epsg).transform, table.geometries[p]
                )
                feature = {**feature, "geometry": shapely.geometry.mapping(geom)}
            features.append(feature)
        doc = {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "features": features,
        }
        return OgcResponse(orjson.dumps(doc), "application/geo+json")

    def _stored_query(self, request: GetFeatureRequest) -> OgcResponse:
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
                orjson.dumps(table.geojson_feature(position)), "application/geo+json"
            )
        member = self.gml.encode(table, [position], crs, srs_name)[0]
        # The stored query returns the feature itself, with its namespaces declared on it.
        declared = member.replace(
            f"<{PREFIX}:{layer_id} ",
            f'<{PREFIX}:{layer_id} xmlns:{PREFIX}="{NS}" xmlns:gml="http://www.opengis.net/gml/3.2" ',
            1,
        )
        return OgcResponse(('<?xml version="1.0" encoding="UTF-8"?>\n' + declared).encode(), GML32)
