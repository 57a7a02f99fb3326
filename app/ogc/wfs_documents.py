"""WFS 2.0 XML documents derived from the layer definitions: capabilities, feature type schemas
(DescribeFeatureType) and stored query descriptions."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from app.layers import LayerDefinition, LayerSet
from app.ogc.features import FeatureTable, layer_fields
from app.ogc.gml import NS, PREFIX

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


def _constraint(name: str, value: str) -> str:
    return (
        f'<ows:Constraint name="{name}"><ows:NoValues/>'
        f"<ows:DefaultValue>{value}</ows:DefaultValue></ows:Constraint>"
    )


def _feature_type(table: FeatureTable, abstract: str) -> str:
    layer = table.layer
    minx, miny, maxx, maxy = table.extent
    keywords = "".join(f"<ows:Keyword>{escape(k)}</ows:Keyword>" for k in layer.keywords)
    formats = "".join(f"<wfs:Format>{escape(f)}</wfs:Format>" for f in OUTPUT_FORMATS)
    other = "".join(f"<wfs:OtherCRS>{c}</wfs:OtherCRS>" for c in OTHER_CRS)
    return (
        f"<wfs:FeatureType><wfs:Name>{PREFIX}:{layer.id}</wfs:Name>"
        f"<wfs:Title>{escape(layer.title)}</wfs:Title>"
        f"<wfs:Abstract>{escape(abstract)}</wfs:Abstract>"
        f"<ows:Keywords>{keywords}</ows:Keywords>"
        "<wfs:DefaultCRS>urn:ogc:def:crs:EPSG::4326</wfs:DefaultCRS>"
        f"{other}<wfs:OutputFormats>{formats}</wfs:OutputFormats>"
        f"<ows:WGS84BoundingBox><ows:LowerCorner>{minx:.6f} {miny:.6f}</ows:LowerCorner>"
        f"<ows:UpperCorner>{maxx:.6f} {maxy:.6f}</ows:UpperCorner></ows:WGS84BoundingBox>"
        "</wfs:FeatureType>"
    )


def _operation(name: str, url: str) -> str:
    escaped = escape(url)
    return (
        f'<ows:Operation name="{name}"><ows:DCP><ows:HTTP>'
        f'<ows:Get xlink:href="{escaped}?"/><ows:Post xlink:href="{escaped}"/>'
        "</ows:HTTP></ows:DCP></ows:Operation>"
    )


def capabilities_xml(
    base_url: str, tables: Sequence[FeatureTable], abstracts: dict[str, str]
) -> bytes:
    url = f"{base_url}/wfs"
    operations = "".join(_operation(op, url) for op in OPERATIONS)
    params = (
        '<ows:Parameter name="version"><ows:AllowedValues><ows:Value>2.0.0</ows:Value>'
        "</ows:AllowedValues></ows:Parameter>"
        '<ows:Parameter name="outputFormat"><ows:AllowedValues>'
        + "".join(f"<ows:Value>{escape(f)}</ows:Value>" for f in OUTPUT_FORMATS)
        + "</ows:AllowedValues></ows:Parameter>"
        '<ows:Parameter name="resultType"><ows:AllowedValues><ows:Value>results</ows:Value>'
        "<ows:Value>hits</ows:Value></ows:AllowedValues></ows:Parameter>"
    )
    constraints = "".join(_constraint(c, "TRUE") for c in CONFORMANCE_TRUE)
    constraints += "".join(_constraint(c, "FALSE") for c in CONFORMANCE_FALSE)
    constraints += _constraint("CountDefault", "10000")
    constraints += (
        '<ows:Constraint name="QueryExpressions"><ows:AllowedValues>'
        "<ows:Value>wfs:Query</ows:Value><ows:Value>wfs:StoredQuery</ows:Value>"
        "</ows:AllowedValues></ows:Constraint>"
    )
    fes_conformance = "".join(_constraint(c, "TRUE") for c in FES_TRUE)
    fes_conformance += "".join(_constraint(c, "FALSE") for c in FES_FALSE)
    comparison = "".join(f'<fes:ComparisonOperator name="{o}"/>' for o in COMPARISON_OPERATORS)
    spatial = "".join(f'<fes:SpatialOperator name="{o}"/>' for o in SPATIAL_OPERATORS)
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        'xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:fes="http://www.opengis.net/fes/2.0" '
        'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:{PREFIX}="{NS}" '
        'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 '
        'http://schemas.opengis.net/wfs/2.0/wfs.xsd">'
        "<ows:ServiceIdentification><ows:Title>SIEP-Perú WFS</ows:Title>"
        "<ows:Abstract>Estadísticas penitenciarias georreferenciadas del Perú (INPE): "
        "establecimientos, oficinas regionales y unidades territoriales con sus cifras más "
        "recientes.</ows:Abstract>"
        "<ows:Keywords><ows:Keyword>INPE</ows:Keyword><ows:Keyword>Perú</ows:Keyword>"
        "</ows:Keywords>"
        "<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0"
        "</ows:ServiceTypeVersion><ows:Fees>NONE</ows:Fees>"
        "<ows:AccessConstraints>NONE</ows:AccessConstraints></ows:ServiceIdentification>"
        "<ows:ServiceProvider><ows:ProviderName>SIEP-Perú</ows:ProviderName>"
        f'<ows:ProviderSite xlink:href="{escape(base_url)}"/>'
        "<ows:ServiceContact><ows:IndividualName>SIEP-Perú</ows:IndividualName>"
        "</ows:ServiceContact></ows:ServiceProvider>"
        f"<ows:OperationsMetadata>{operations}{params}{constraints}</ows:OperationsMetadata>"
        f"<wfs:FeatureTypeList>{''.join(_feature_type(t, abstracts[t.layer.id]) for t in tables)}</wfs:FeatureTypeList>"
        "<fes:Filter_Capabilities>"
        f"<fes:Conformance>{fes_conformance}</fes:Conformance>"
        '<fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/>'
        "</fes:Id_Capabilities>"
        "<fes:Scalar_Capabilities><fes:LogicalOperators/>"
        f"<fes:ComparisonOperators>{comparison}</fes:ComparisonOperators>"
        "</fes:Scalar_Capabilities>"
        "<fes:Spatial_Capabilities><fes:GeometryOperands>"
        '<fes:GeometryOperand name="gml:Envelope"/><fes:GeometryOperand name="gml:Point"/>'
        '<fes:GeometryOperand name="gml:LineString"/><fes:GeometryOperand name="gml:Polygon"/>'
        "</fes:GeometryOperands>"
        f"<fes:SpatialOperators>{spatial}</fes:SpatialOperators></fes:Spatial_Capabilities>"
        "</fes:Filter_Capabilities></wfs:WFS_Capabilities>"
    )
    return doc.encode()


def _complex_type(layer: LayerDefinition) -> str:
    geometry = (
        "gml:PointPropertyType" if layer.geometry == "point" else "gml:MultiSurfacePropertyType"
    )
    elements = [f'<xsd:element name="geometry" type="{geometry}" minOccurs="0" maxOccurs="1"/>']
    elements += [
        f'<xsd:element name="{name}" type="{XSD_TYPES[kind]}" minOccurs="0" maxOccurs="1"/>'
        for name, kind in layer_fields(layer).items()
    ]
    return (
        f'<xsd:complexType name="{layer.id}Type"><xsd:complexContent>'
        '<xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>'
        f"{''.join(elements)}</xsd:sequence></xsd:extension></xsd:complexContent>"
        f'</xsd:complexType><xsd:element name="{layer.id}" type="{PREFIX}:{layer.id}Type" '
        'substitutionGroup="gml:AbstractFeature"/>'
    )


def describe_feature_type_xml(layers: Sequence[LayerDefinition]) -> bytes:
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:{PREFIX}="{NS}" '
        f'targetNamespace="{NS}" elementFormDefault="qualified" version="2.0.0">'
        '<xsd:import namespace="http://www.opengis.net/gml/3.2" '
        'schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>'
        f"{''.join(_complex_type(layer) for layer in layers)}</xsd:schema>"
    )
    return doc.encode()


def stored_queries_xml(layers: LayerSet, describe: bool) -> bytes:
    return_types = "".join(
        f"<wfs:ReturnFeatureType>{PREFIX}:{layer.id}</wfs:ReturnFeatureType>" for layer in layers
    )
    ns = (
        'xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:{PREFIX}="{NS}"'
    )
    query_id = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
    if not describe:
        body = (
            f'<wfs:ListStoredQueriesResponse {ns}><wfs:StoredQuery id="{query_id}">'
            f"<wfs:Title>Get feature by identifier</wfs:Title>{return_types}</wfs:StoredQuery>"
            "</wfs:ListStoredQueriesResponse>"
        )
    else:
        body = (
            f"<wfs:DescribeStoredQueriesResponse {ns}>"
            f'<wfs:StoredQueryDescription id="{query_id}">'
            "<wfs:Title>Get feature by identifier</wfs:Title>"
            "<wfs:Abstract>Returns the feature whose gml:id is ID (e.g. departamentos.15)."
            "</wfs:Abstract>"
            '<wfs:Parameter name="ID" type="xsd:string"/>'
            f'<wfs:QueryExpressionText isPrivate="true" language="urn:ogc:def:queryLanguage:'
            f'OGC-WFS::WFS_QueryExpression" returnFeatureTypes="'
            f'{" ".join(f"{PREFIX}:{layer.id}" for layer in layers)}"/>'
            "</wfs:StoredQueryDescription></wfs:DescribeStoredQueriesResponse>"
        )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()
