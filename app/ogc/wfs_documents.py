"""WFS 2.0 XML documents derived from the layer definitions: capabilities, feature type schemas
(DescribeFeatureType) and stored query descriptions, rendered from the autoescaping templates
app/ogc/templates/wfs/*.xml."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.features import FeatureTable, layer_fields
from app.layers import LayerDefinition, LayerSet
from app.ogc.gml import NS, PREFIX
from app.ogc.templating import render

XSD_TYPES = {"string": "xsd:string", "number": "xsd:double", "integer": "xsd:long"}
OTHER_CRS = (
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:EPSG::3857",
    "urn:ogc:def:crs:EPSG::32718",
)
COMPARISON_OPERATORS = (
    "PropertyIsEqualTo",
    "PropertyIsNotEqualTo",
    "PropertyIsLessThan",
    "PropertyIsGreaterThan",
    "PropertyIsLessThanOrEqualTo",
    "PropertyIsGreaterThanOrEqualTo",
    "PropertyIsLike",
    "PropertyIsNull",
    "PropertyIsBetween",
)
SPATIAL_OPERATORS = (
    "BBOX",
    "Equals",
    "Disjoint",
    "Intersects",
    "Touches",
    "Crosses",
    "Within",
    "Contains",
    "Overlaps",
)
CONFORMANCE_TRUE = (
    "ImplementsBasicWFS",
    "ImplementsResultPaging",
    "KVPEncoding",
    "XMLEncoding",
)
CONFORMANCE_FALSE = (
    "ImplementsTransactionalWFS",
    "ImplementsLockingWFS",
    "SOAPEncoding",
    "ImplementsInheritance",
    "ImplementsRemoteResolve",
    "ImplementsStandardJoins",
    "ImplementsSpatialJoins",
    "ImplementsTemporalJoins",
    "ImplementsFeatureVersioning",
    "ManageStoredQueries",
)
FES_TRUE = (
    "ImplementsQuery",
    "ImplementsAdHocQuery",
    "ImplementsResourceId",
    "ImplementsMinStandardFilter",
    "ImplementsStandardFilter",
    "ImplementsMinSpatialFilter",
    "ImplementsSpatialFilter",
    "ImplementsSorting",
)
FES_FALSE = (
    "ImplementsFunctions",
    "ImplementsMinTemporalFilter",
    "ImplementsTemporalFilter",
    "ImplementsVersionNav",
    "ImplementsExtendedOperators",
)
OPERATIONS = (
    "GetCapabilities",
    "DescribeFeatureType",
    "ListStoredQueries",
    "DescribeStoredQueries",
    "GetFeature",
)
OUTPUT_FORMATS = ("application/gml+xml; version=3.2", "application/json")


def capabilities_xml(
    base_url: str, tables: Sequence[FeatureTable], abstracts: dict[str, str]
) -> bytes:
    feature_types = [
        {
            "id": t.layer.id,
            "title": t.layer.title,
            "abstract": abstracts[t.layer.id],
            "keywords": t.layer.keywords,
            "extent": t.extent,
        }
        for t in tables
    ]
    document = render(
        "wfs/capabilities.xml",
        prefix=PREFIX,
        ns=NS,
        base_url=base_url,
        url=f"{base_url}/wfs",
        operations=OPERATIONS,
        output_formats=OUTPUT_FORMATS,
        conformance_true=CONFORMANCE_TRUE,
        conformance_false=CONFORMANCE_FALSE,
        count_default="10000",
        feature_types=feature_types,
        other_crs=OTHER_CRS,
        fes_true=FES_TRUE,
        fes_false=FES_FALSE,
        comparison=COMPARISON_OPERATORS,
        spatial=SPATIAL_OPERATORS,
    )
    return document.encode()


def describe_feature_type_xml(layers: Sequence[LayerDefinition]) -> bytes:
    types = [
        {
            "id": layer.id,
            "geometry": "gml:PointPropertyType"
            if layer.geometry == "point"
            else "gml:MultiSurfacePropertyType",
            "fields": [(name, XSD_TYPES[kind]) for name, kind in layer_fields(layer).items()],
        }
        for layer in layers
    ]
    return render("wfs/describe_feature_type.xml", prefix=PREFIX, ns=NS, types=types).encode()


def stored_queries_xml(layers: LayerSet, describe: bool) -> bytes:
    document = render(
        "wfs/stored_queries.xml",
        prefix=PREFIX,
        ns=NS,
        describe=describe,
        query_id="urn:ogc:def:query:OGC-WFS::GetFeatureById",
        type_ids=[layer.id for layer in layers],
    )
    return document.encode()
