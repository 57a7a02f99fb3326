"""WFS 2.0 GetFeature: PROPERTYNAME, several type names and queries, next/previous paging."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import etree

NS = {"wfs": "http://www.opengis.net/wfs/2.0", "siep": "http://siep-peru.org/wfs"}
GET_FEATURE = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature"}


@pytest.fixture
def client(shipped_client: TestClient) -> TestClient:
    return shipped_client


def _get(client: TestClient, **params: str) -> etree._Element:
    response = client.get("/wfs", params={**GET_FEATURE, **params})
    assert response.status_code == 200, response.text[:400]
    return etree.fromstring(response.content)


def test_propertyname_limits_the_properties(client: TestClient) -> None:
    root = _get(client, TYPENAMES="siep:departamentos", PROPERTYNAME="name,population", COUNT="3")
    features = root.findall("wfs:member/siep:departamentos", NS)
    assert len(features) == 3
    for feature in features:
        assert {etree.QName(c).localname for c in feature} <= {"name", "population"}
        assert feature.find("siep:name", NS) is not None


def test_unknown_propertyname_is_an_exception_report(client: TestClient) -> None:
    response = client.get(
        "/wfs", params={**GET_FEATURE, "TYPENAMES": "siep:departamentos", "PROPERTYNAME": "nope"}
    )
    assert response.status_code == 400
    assert b"InvalidParameterValue" in response.content


def test_several_type_names_give_one_collection_per_query(client: TestClient) -> None:
    root = _get(client, TYPENAMES="siep:departamentos,siep:oficinas_regionales")
    inner = root.findall("wfs:member/wfs:FeatureCollection", NS)
    assert [len(c) for c in inner] == [25, 8]
    assert root.get("numberMatched") == root.get("numberReturned") == "33"
    hits = _get(client, TYPENAMES="siep:departamentos,siep:oficinas_regionales", RESULTTYPE="hits")
    assert hits.get("numberMatched") == "33" and hits.get("numberReturned") == "0"


def test_several_xml_queries_in_one_post(client: TestClient) -> None:
    body = (
        '<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">'
        '<wfs:Query typeNames="siep:departamentos"><wfs:PropertyName>name</wfs:PropertyName>'
        '</wfs:Query><wfs:Query typeNames="siep:oficinas_regionales"/></wfs:GetFeature>'
    )
    response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200, response.text[:400]
    root = etree.fromstring(response.content)
    first, second = root.findall("wfs:member/wfs:FeatureCollection", NS)
    assert len(first) == 25 and len(second) == 8
    assert {etree.QName(c).localname for f in first for c in f[0]} == {"name"}


def test_pages_link_to_next_and_previous(client: TestClient) -> None:
    page = _get(client, TYPENAMES="siep:departamentos", COUNT="10", STARTINDEX="10")
    assert page.get("numberReturned") == "10"
    seen: list[str] = []
    nxt, previous = page.get("next"), page.get("previous")
    assert nxt and previous
    first = etree.fromstring(client.get(httpx.URL(previous).raw_path.decode()).content)
    last = etree.fromstring(client.get(httpx.URL(nxt).raw_path.decode()).content)
    for collection in (first, page, last):
        seen += [
            f.get("{http://www.opengis.net/gml/3.2}id")
            for f in collection.iter()
            if etree.QName(f).localname == "departamentos"
        ]
    assert len(seen) == len(set(seen)) == 25
    assert first.get("previous") is None and last.get("next") is None
