"""One body limit for the OGC fronts (SIEP_OGC_MAX_BODY_BYTES, app/http_limits.py): /ogc and
POST /wfs refuse a larger body with 413 in their own error format, and take a smaller one."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from app.main import create_app
from app.settings import Settings
from tests.conftest import fixture_sqlite_store

LIMIT = 4096
ITEMS = "/ogc/collections/departamentos/items"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = fixture_sqlite_store(tmp_path_factory.mktemp("limits"))
    settings = Settings(
        database_url=url,
        var_dir=tmp_path_factory.mktemp("limitsvar"),
        seed_on_start=False,
        ogc_max_body_bytes=LIMIT,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _cql2(padding: int) -> bytes:
    doc = {"op": "=", "args": [{"property": "code"}, "15"], "pad": " " * padding}
    return json.dumps(doc).encode()


def test_ogc_api_body_limit(client: TestClient) -> None:
    headers = {"Content-Type": "application/query-cql-json"}
    small = client.post(ITEMS, content=_cql2(10), headers=headers)
    assert small.status_code == 200, small.text[:300]
    assert small.json()["numberMatched"] == 1
    big = client.post(ITEMS, content=_cql2(LIMIT), headers=headers)
    assert big.status_code == 413
    assert big.json()["code"] == "InvalidParameterValue"
    assert f"larger than {LIMIT} bytes" in big.json()["description"]


def test_wfs_post_body_limit(client: TestClient) -> None:
    query = (
        '<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"'
        ' xmlns:siep="http://siep-peru.org/wfs" resultType="hits">'
        '<wfs:Query typeNames="siep:departamentos"/></wfs:GetFeature>'
    )
    headers = {"Content-Type": "text/xml"}
    small = client.post("/wfs", content=query, headers=headers)
    assert small.status_code == 200, small.text[:300]
    big = client.post("/wfs", content=query + "<!--" + " " * LIMIT + "-->", headers=headers)
    assert big.status_code == 413
    root = etree.fromstring(big.content)
    assert root.tag == "{http://www.opengis.net/ows/1.1}ExceptionReport"
    assert f"larger than {LIMIT} bytes" in big.text
