"""WFS 2.0 GetFeature semantics (GML 3.2 structure, axis order, paging, FES 2.0) and OGC API
Features queries (CQL2 text/JSON, bbox, sortby, CRS) against a running server."""

from __future__ import annotations

import json
import urllib.parse

import httpx
import pytest
from lxml import etree

from tests.support.server import ServerProcess

WFS = "{http://www.opengis.net/wfs/2.0}"
GML = "{http://www.opengis.net/gml/3.2}"
SIEP = "{http://siep-peru.org/wfs}"
XSD = "{http://www.w3.org/2001/XMLSchema}"
FES_OPEN = '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2">'


def _get_feature(
    server: ServerProcess, typename: str = "siep:departamentos", **params: str
) -> etree._Element:
    query = {
        "SERVICE": "WFS",
        "VERSION": "2.0.0",
        "REQUEST": "GetFeature",
        "TYPENAMES": typename,
        **params,
    }
    response = httpx.get(f"{server.base_url}/wfs", params=query)
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def _codes(root: etree._Element) -> list[str]:
    return [m[0].findtext(f"{SIEP}code") for m in root.findall(f"{WFS}member")]


def test_gml_members_follow_describe_feature_type(server: ServerProcess) -> None:
    for layer in ("departamentos", "establecimientos_penitenciarios"):
        schema = etree.fromstring(
            httpx.get(
                f"{server.base_url}/wfs",
                params={
                    "SERVICE": "WFS",
                    "VERSION": "2.0.0",
                    "REQUEST": "DescribeFeatureType",
                    "TYPENAMES": f"siep:{layer}",
                    "TYPENAME": f"siep:{layer}",
                },
            ).content
        )
        sequence = [
            e.get("name")
            for e in schema.iter(f"{XSD}element")
            if e.get("type", "").startswith(("xsd:", "gml:"))
        ]
        declared = {e.get("name") for e in schema.findall(f"{XSD}element")}
        assert declared == {layer}
        root = _get_feature(server, f"siep:{layer}")
        assert root.tag == f"{WFS}FeatureCollection"
        for member in root.findall(f"{WFS}member"):
            feature = member[0]
            assert feature.tag == f"{SIEP}{layer}"
            assert feature.get(f"{GML}id").startswith(f"{layer}.")
            names = [etree.QName(child).localname for child in feature]
            positions = [sequence.index(n) for n in names]  # unknown names raise
            assert positions == sorted(positions)


def test_urn_4326_writes_lat_lon_and_crs84_lon_lat(server: ServerProcess) -> None:
    urn = _get_feature(
        server,
        "siep:establecimientos_penitenciarios",
        SRSNAME="urn:ogc:def:crs:EPSG::4326",
        RESOURCEID="establecimientos_penitenciarios.EP-LURIGANCHO",
    )
    assert urn.findtext(f".//{GML}pos").split() == ["-11.98", "-76.99"]
    crs84 = _get_feature(
        server,
        "siep:establecimientos_penitenciarios",
        SRSNAME="urn:ogc:def:crs:OGC:1.3:CRS84",
        RESOURCEID="EP-LURIGANCHO",
    )
    assert crs84.findtext(f".//{GML}pos").split() == ["-76.99", "-11.98"]
    utm = _get_feature(
        server,
        "siep:establecimientos_penitenciarios",
        SRSNAME="EPSG:32718",
        RESOURCEID="EP-LURIGANCHO",
    )
    easting, northing = (float(v) for v in utm.findtext(f".//{GML}pos").split())
    assert 200_000 < easting < 400_000 and 8_600_000 < northing < 8_800_000


def test_hits_paging_and_sorting(server: ServerProcess) -> None:
    hits = _get_feature(server, RESULTTYPE="hits")
    assert hits.get("numberMatched") == "2" and hits.get("numberReturned") == "0"
    assert _codes(_get_feature(server, SORTBY="population DESC")) == ["15", "07"]
    assert _codes(_get_feature(server, SORTBY="population ASC", COUNT="1", STARTINDEX="1")) == [
        "15"
    ]
    page = _get_feature(server, COUNT="1")
    assert page.get("numberMatched") == "2" and page.get("numberReturned") == "1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Numeric literal (FES literals arrive as text).
        (
            "<fes:PropertyIsGreaterThan><fes:ValueReference>population</fes:ValueReference>"
            "<fes:Literal>5000</fes:Literal></fes:PropertyIsGreaterThan>",
            ["15"],
        ),
        (
            "<fes:Or><fes:PropertyIsEqualTo><fes:ValueReference>code</fes:ValueReference>"
            "<fes:Literal>07</fes:Literal></fes:PropertyIsEqualTo><fes:PropertyIsLike wildCard='*' "
            "singleChar='.' escapeChar='!'><fes:ValueReference>name</fes:ValueReference>"
            "<fes:Literal>Li*</fes:Literal></fes:PropertyIsLike></fes:Or>",
            ["07", "15"],
        ),
        (
            "<fes:PropertyIsBetween><fes:ValueReference>population</fes:ValueReference>"
            "<fes:LowerBoundary><fes:Literal>1000</fes:Literal></fes:LowerBoundary>"
            "<fes:UpperBoundary><fes:Literal>4000</fes:Literal></fes:UpperBoundary>"
            "</fes:PropertyIsBetween>",
            ["07"],
        ),
        # BBOX in urn EPSG:4326 means lat,lon corners.
        (
            "<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference>"
            "<gml:Envelope srsName='urn:ogc:def:crs:EPSG::4326'><gml:lowerCorner>-12.5 -77.5</gml:lowerCorner>"
            "<gml:upperCorner>-11.5 -76.5</gml:upperCorner></gml:Envelope></fes:BBOX>",
            ["15"],
        ),
        (
            "<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference>"
            "<gml:Envelope srsName='http://www.opengis.net/def/crs/OGC/1.3/CRS84'><gml:lowerCorner>-78.8 -12.5</gml:lowerCorner>"
            "<gml:upperCorner>-78.2 -11.5</gml:upperCorner></gml:Envelope></fes:BBOX>",
            ["07"],
        ),
        (
            "<fes:Intersects><fes:ValueReference>geometry</fes:ValueReference>"
            "<gml:Point gml:id='p' srsName='urn:ogc:def:crs:EPSG::4326'><gml:pos>-12 -78.5</gml:pos></gml:Point>"
            "</fes:Intersects>",
            ["07"],
        ),
        (
            "<fes:Not><fes:Disjoint><fes:ValueReference>geometry</fes:ValueReference>"
            "<gml:Polygon gml:id='q' srsName='urn:ogc:def:crs:EPSG::4326'><gml:exterior><gml:LinearRing>"
            "<gml:posList>-12.5 -77.5 -12.5 -76.5 -11.5 -76.5 -11.5 -77.5 -12.5 -77.5</gml:posList>"
            "</gml:LinearRing></gml:exterior></gml:Polygon></fes:Disjoint></fes:Not>",
            ["15"],
        ),
        ("<fes:ResourceId rid='departamentos.07'/>", ["07"]),
    ],
)
def test_fes_filters(server: ServerProcess, body: str, expected: list[str]) -> None:
    root = _get_feature(server, FILTER=FES_OPEN + body + "</fes:Filter>")
    assert sorted(_codes(root)) == expected


def test_bbox_parameter_axis_order(server: ServerProcess) -> None:
    assert _codes(_get_feature(server, BBOX="-12.5,-77.5,-11.5,-76.5")) == [
        "15"
    ]  # default urn: lat,lon
    assert _codes(
        _get_feature(server, BBOX="-78.8,-12.5,-78.2,-11.5,urn:ogc:def:crs:OGC:1.3:CRS84")
    ) == ["07"]


def test_get_feature_by_id_and_stored_query_listing(server: ServerProcess) -> None:
    response = httpx.get(
        f"{server.base_url}/wfs",
        params={
            "SERVICE": "WFS",
            "VERSION": "2.0.0",
            "REQUEST": "GetFeature",
            "STOREDQUERY_ID": "urn:ogc:def:query:OGC-WFS::GetFeatureById",
            "ID": "departamentos.15",
        },
    )
    feature = etree.fromstring(response.content)
    assert feature.tag == f"{SIEP}departamentos" and feature.findtext(f"{SIEP}code") == "15"
    for request in ("ListStoredQueries", "DescribeStoredQueries"):
        text = httpx.get(
            f"{server.base_url}/wfs",
            params={"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": request},
        ).text
        assert "GetFeatureById" in text


def test_post_get_feature(server: ServerProcess) -> None:
    body = (
        '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" '
        'service="WFS" version="2.0.0" count="5"><wfs:Query typeNames="siep:departamentos">'
        "<fes:Filter><fes:PropertyIsGreaterThanOrEqualTo><fes:ValueReference>population</fes:ValueReference>"
        "<fes:Literal>3000</fes:Literal></fes:PropertyIsGreaterThanOrEqualTo></fes:Filter>"
        "<fes:SortBy><fes:SortProperty><fes:ValueReference>population</fes:ValueReference>"
        "<fes:SortOrder>DESC</fes:SortOrder></fes:SortProperty></fes:SortBy></wfs:Query></wfs:GetFeature>"
    )
    response = httpx.post(
        f"{server.base_url}/wfs", content=body, headers={"Content-Type": "text/xml"}
    )
    assert response.status_code == 200, response.text
    assert _codes(etree.fromstring(response.content)) == ["15", "07"]


def _items(server: ServerProcess, **params: str) -> dict:
    query = urllib.parse.urlencode({"skipGeometry": "true", **params})
    response = httpx.get(f"{server.base_url}/ogc/collections/departamentos/items?{query}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filter": "population > 5000"}, ["15"]),
        ({"filter": "population > 5000", "filter-lang": "cql2-text"}, ["15"]),
        ({"filter": "name LIKE 'Cal%'"}, ["07"]),
        (
            {
                "filter": "S_INTERSECTS(geometry, BBOX(-77.5,-12.5,-76.5,-11.5))",
                "filter-lang": "cql2-text",
            },
            ["15"],
        ),
        ({"filter": "INTERSECTS(geometry, POINT(-78.5 -12))"}, ["07"]),
        (
            {
                "filter": json.dumps({"op": ">", "args": [{"property": "population"}, 5000]}),
                "filter-lang": "cql2-json",
            },
            ["15"],
        ),
        (
            {
                "filter": json.dumps(
                    {
                        "op": "s_intersects",
                        "args": [{"property": "geometry"}, {"bbox": [-78.8, -12.5, -78.2, -11.5]}],
                    }
                ),
                "filter-lang": "cql2-json",
            },
            ["07"],
        ),
        ({"bbox": "-77.5,-12.5,-76.5,-11.5"}, ["15"]),
        ({"code": "07"}, ["07"]),
        ({"sortby": "-population"}, ["15", "07"]),
        ({"sortby": "population"}, ["07", "15"]),
    ],
)
def test_ogcapi_item_queries(
    server: ServerProcess, params: dict[str, str], expected: list[str]
) -> None:
    doc = _items(server, **params)
    codes = [f["id"] for f in doc["features"]]
    assert (codes if "sortby" in params else sorted(codes)) == expected
    assert doc["numberMatched"] == len(expected)


def test_ogcapi_epsg_4326_output_is_lat_lon(server: ServerProcess) -> None:
    url = f"{server.base_url}/ogc/collections/establecimientos_penitenciarios/items/EP-LURIGANCHO"
    crs84 = httpx.get(url).json()["geometry"]["coordinates"]
    lat_lon = httpx.get(url, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}).json()
    assert crs84 == [-76.99, -11.98]
    assert [round(v, 6) for v in lat_lon["geometry"]["coordinates"]] == [-11.98, -76.99]


def test_ogcapi_cql2_json_post(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.base_url}/ogc/collections/departamentos/items?skipGeometry=true",
        content=json.dumps({"op": "=", "args": [{"property": "code"}, "15"]}),
        headers={"Content-Type": "application/query-cql-json"},
    )
    assert response.status_code == 200, response.text
    assert [f["id"] for f in response.json()["features"]] == ["15"]
