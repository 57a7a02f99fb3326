"""Malformed WMS/WFS/OGC API requests get the protocol's exception format, never a 500."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from tests.support.server import ServerProcess

OGC_NS = "{http://www.opengis.net/ogc}"
OWS_NS = "{http://www.opengis.net/ows/1.1}"
MAP = (
    "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=departamentos.population&STYLES="
    "&CRS=EPSG:4326&BBOX=-14,-80,-10,-75&WIDTH=100&HEIGHT=100&FORMAT=image/png"
)

WMS_CASES = [
    ("SERVICE=WMS", "MissingParameterValue"),
    ("SERVICE=WMS&REQUEST=Dance", "OperationNotSupported"),
    ("SERVICE=WFS&REQUEST=GetMap", "InvalidParameterValue"),
    (MAP.replace("LAYERS=departamentos.population", "LAYERS=nope"), "LayerNotDefined"),
    (MAP.replace("LAYERS=departamentos.population&", ""), "MissingParameterValue"),
    (MAP.replace("CRS=EPSG:4326", "CRS=EPSG:9999"), "InvalidCRS"),
    (MAP.replace("&CRS=EPSG:4326", ""), "MissingParameterValue"),
    (MAP.replace("FORMAT=image/png", "FORMAT=image/gif"), "InvalidFormat"),
    (MAP.replace("STYLES=", "STYLES=rainbow"), "StyleNotDefined"),
    (MAP.replace("BBOX=-14,-80,-10,-75", "BBOX=1,2,3"), "InvalidParameterValue"),
    (MAP.replace("BBOX=-14,-80,-10,-75", "BBOX=a,b,c,d"), "InvalidParameterValue"),
    (MAP.replace("BBOX=-14,-80,-10,-75", "BBOX=-10,-75,-14,-80"), "InvalidParameterValue"),
    (MAP.replace("BBOX=-14,-80,-10,-75", "BBOX=nan,1,2,3"), "InvalidParameterValue"),
    (MAP.replace("WIDTH=100", "WIDTH=100000"), "InvalidParameterValue"),
    (MAP.replace("WIDTH=100", "WIDTH=-5"), "InvalidParameterValue"),
    (MAP.replace("HEIGHT=100", "HEIGHT=x"), "InvalidParameterValue"),
    (MAP + "&TIME=1999-01", "InvalidDimensionValue"),
    (MAP + "&TIME=garbage", "InvalidDimensionValue"),
    (MAP + "&BGCOLOR=red", "InvalidParameterValue"),
    (
        MAP.replace("GetMap", "GetFeatureInfo") + "&QUERY_LAYERS=departamentos.population&I=5",
        "MissingParameterValue",
    ),
    (
        MAP.replace("GetMap", "GetFeatureInfo")
        + "&QUERY_LAYERS=departamentos.population&I=500&J=1",
        "InvalidPoint",
    ),
    (
        MAP.replace("GetMap", "GetFeatureInfo")
        + "&QUERY_LAYERS=departamentos.population&I=1&J=1&INFO_FORMAT=x/y",
        "InvalidFormat",
    ),
    ("SERVICE=WMS&REQUEST=GetLegendGraphic", "MissingParameterValue"),
    ("SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=zzz", "LayerNotDefined"),
]

FEATURE = "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=siep:departamentos"
WFS_CASES = [
    ("SERVICE=WFS", "MissingParameterValue"),
    ("SERVICE=WFS&VERSION=2.0.0&REQUEST=Transaction", "OperationNotSupported"),
    ("SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.0.0", "VersionNegotiationFailed"),
    (
        "SERVICE=WFS&VERSION=3.0.0&REQUEST=GetFeature&TYPENAMES=siep:departamentos",
        "InvalidParameterValue",
    ),
    ("SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature", "MissingParameterValue"),
    (FEATURE.replace("siep:departamentos", "siep:nope"), "InvalidParameterValue"),
    (
        "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=nope",
        "InvalidParameterValue",
    ),
    (FEATURE + "&COUNT=-1", "InvalidParameterValue"),
    (FEATURE + "&COUNT=ten", "InvalidParameterValue"),
    (FEATURE + "&STARTINDEX=-3", "InvalidParameterValue"),
    (FEATURE + "&RESULTTYPE=all", "InvalidParameterValue"),
    (FEATURE + "&OUTPUTFORMAT=shapezip", "InvalidParameterValue"),
    (FEATURE + "&SRSNAME=EPSG:1234", "InvalidParameterValue"),
    (FEATURE + "&BBOX=1,2,3", "InvalidParameterValue"),
    (FEATURE + "&BBOX=a,b,c,d", "InvalidParameterValue"),
    (FEATURE + "&BBOX=1,2,3,4,EPSG:999", "InvalidParameterValue"),
    (FEATURE + "&SORTBY=nope ASC", "InvalidParameterValue"),
    (FEATURE + "&SORTBY=name SIDEWAYS", "InvalidParameterValue"),
    (FEATURE + "&FILTER=<notxml", "InvalidParameterValue"),
    (FEATURE + "&FILTER=<a>b</a>", "InvalidParameterValue"),
    (FEATURE + "&BBOX=1,2,3,4&RESOURCEID=departamentos.15", "OperationParsingFailed"),
    (
        FEATURE
        + '&FILTER=<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>'
        "<fes:ValueReference>nope</fes:ValueReference><fes:Literal>1</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Filter>",
        "InvalidParameterValue",
    ),
    (
        FEATURE
        + '&FILTER=<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>'
        "<fes:ValueReference>population</fes:ValueReference><fes:Literal>many</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Filter>",
        "InvalidParameterValue",
    ),
    (
        FEATURE
        + '&FILTER=<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
        + "<fes:Not>" * 60
        + "</fes:Not>" * 60
        + "</fes:Filter>",
        "InvalidParameterValue",
    ),
    ("SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&STOREDQUERY_ID=urn:x", "InvalidParameterValue"),
    (
        "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&STOREDQUERY_ID="
        "urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=departamentos.99",
        "NotFound",
    ),
]

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0">'
    "&lol2;</wfs:GetFeature>"
)
POST_CASES = [
    (BOMB, "InvalidParameterValue"),
    ("<wfs:GetFeature", "InvalidParameterValue"),
    ('<x:Frobnicate xmlns:x="urn:x" service="WFS" version="2.0.0"/>', "OperationNotSupported"),
    (
        '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0"/>',
        "OperationParsingFailed",
    ),
    ("<a>" * 100 + "</a>" * 100, "InvalidParameterValue"),
]


def _code(response: httpx.Response, tag: str) -> str:
    assert 400 <= response.status_code < 500, response.text
    root = etree.fromstring(response.content)
    if tag == "wms":
        assert root.tag == f"{OGC_NS}ServiceExceptionReport"
        return str(root.find(f"{OGC_NS}ServiceException").get("code"))
    assert root.tag == f"{OWS_NS}ExceptionReport"
    return str(root.find(f"{OWS_NS}Exception").get("exceptionCode"))


@pytest.mark.parametrize(("query", "code"), WMS_CASES)
def test_wms_rejects_with_service_exception(server: ServerProcess, query: str, code: str) -> None:
    response = httpx.get(f"{server.base_url}/wms?{query}", timeout=60)
    assert _code(response, "wms") == code


@pytest.mark.parametrize(("query", "code"), WFS_CASES)
def test_wfs_rejects_with_exception_report(server: ServerProcess, query: str, code: str) -> None:
    response = httpx.get(f"{server.base_url}/wfs?{query}", timeout=60)
    assert _code(response, "wfs") == code


@pytest.mark.parametrize(("body", "code"), POST_CASES)
def test_wfs_post_rejects_bad_xml(server: ServerProcess, body: str, code: str) -> None:
    response = httpx.post(
        f"{server.base_url}/wfs", content=body, headers={"Content-Type": "text/xml"}, timeout=60
    )
    assert _code(response, "wfs") == code


def test_wfs_post_rejects_huge_bodies(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.base_url}/wfs", content=b"<a>" + b" " * 400_000 + b"</a>", timeout=60
    )
    assert response.status_code in (413, 400)


@pytest.mark.parametrize(
    "query",
    [
        "filter=population>>1",
        "filter=nope=1",
        "filter-lang=cql2-json&filter={bad json",
        "filter-lang=klingon&filter=a=1",
        "sortby=nope",
        "limit=-1",
        "limit=abc",
        "offset=-1",
        "bbox=1,2,3",
    ],
)
def test_ogcapi_rejects_with_json_exception(server: ServerProcess, query: str) -> None:
    response = httpx.get(
        f"{server.base_url}/ogc/collections/departamentos/items?{query}", timeout=60
    )
    assert 400 <= response.status_code < 500, response.text
    assert "code" in response.json() or "description" in response.json()
