"""Hostile XML and filters: refused with the protocol's error format, fast, never a 500.

Complements test_malformed.py (which has a small entity bomb, broken XML and 100-deep nesting
via a real server): here external entities, external DTDs, parameter entities, XInclude, a
full billion-laughs, element floods, and size/depth bounds of FES, CQL2-text and CQL2-JSON
filters, in process. Bounds: app/ogc/xmlsafe.py, app/ogc/query.py, app/ogc/ogcapi.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from lxml import etree

from app.main import create_app
from app.ogc.cql2 import MAX_FILTER_CHARS, MAX_JSON_DEPTH
from app.ogc.query import MAX_FILTER_DEPTH, MAX_FILTER_NODES
from app.ogc.xmlsafe import MAX_DEPTH, MAX_ELEMENTS
from app.settings import Settings
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from tests.conftest import FIXTURE_DATA

OWS = "{http://www.opengis.net/ows/1.1}"
WFS_OPEN = (
    '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" '
    'xmlns:fes="http://www.opengis.net/fes/2.0" service="WFS" version="2.0.0">'
    '<wfs:Query typeNames="siep:departamentos">'
)
WFS_CLOSE = "</wfs:Query></wfs:GetFeature>"
EQUALS = (
    "<fes:PropertyIsEqualTo><fes:ValueReference>code</fes:ValueReference>"
    "<fes:Literal>15</fes:Literal></fes:PropertyIsEqualTo>"
)
ITEMS = "/ogc/collections/departamentos/items"
SECONDS = 5.0  # far above the milliseconds these take: a hang or a blow-up fails


def wfs_with_filter(inner: str) -> str:
    return f"{WFS_OPEN}<fes:Filter>{inner}</fes:Filter>{WFS_CLOSE}"


def laughs(levels: int) -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        + WFS_OPEN.replace('typeNames="siep:departamentos"', f'typeNames="&lol{levels};"')
        + WFS_CLOSE
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('xmlsafe') / 'siep.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
    engine.dispose()
    settings = Settings(
        database_url=url, var_dir=tmp_path_factory.mktemp("xmlvar"), seed_on_start=False
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        # Build the feature tables and pygeoapi's API once, outside the timed requests.
        assert test_client.get("/ogc/collections").status_code == 200
        assert test_client.get("/wfs?SERVICE=WFS&REQUEST=GetCapabilities").status_code == 200
        yield test_client


def timed_post(client: TestClient, path: str, body: str | bytes, content_type: str) -> Response:
    started = time.perf_counter()
    response = client.post(path, content=body, headers={"Content-Type": content_type})
    assert time.perf_counter() - started < SECONDS
    return response


def exception_code(response: Response) -> str:
    assert 400 <= response.status_code < 500, response.text[:500]
    root = etree.fromstring(response.content)
    assert root.tag == f"{OWS}ExceptionReport"
    return str(root.find(f"{OWS}Exception").get("exceptionCode"))


HOSTILE_WFS_BODIES = {
    "external_entity_file": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + WFS_OPEN.replace('typeNames="siep:departamentos"', 'typeNames="&xxe;"')
        + WFS_CLOSE
    ),
    "external_entity_http": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
        + WFS_OPEN
        + "&xxe;"
        + WFS_CLOSE
    ),
    "parameter_entity": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
        + WFS_OPEN
        + WFS_CLOSE
    ),
    "external_dtd": (
        '<?xml version="1.0"?><!DOCTYPE wfs:GetFeature SYSTEM "file:///etc/passwd">'
        + WFS_OPEN
        + WFS_CLOSE
    ),
    "internal_dtd_no_entities": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ELEMENT x ANY>]>' + WFS_OPEN + WFS_CLOSE
    ),
    "billion_laughs": laughs(9),
    "quadratic_blowup": (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "{"a" * 50_000}">]>'
        + WFS_OPEN
        + "&a;" * 4000
        + WFS_CLOSE
    ),
    "xinclude_file": (
        WFS_OPEN.replace(
            "<wfs:Query",
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            'href="file:///etc/passwd" parse="text"/><wfs:Query',
        )
        + WFS_CLOSE
    ),
    "deep_nesting": WFS_OPEN + "<x>" * (MAX_DEPTH + 5) + "</x>" * (MAX_DEPTH + 5) + WFS_CLOSE,
    "very_deep_nesting": "<a>" * 50_000 + "</a>" * 50_000,
    "element_flood": WFS_OPEN + "<x/>" * (MAX_ELEMENTS + 10) + WFS_CLOSE,
    "fes_too_deep": wfs_with_filter(
        "<fes:Not>" * (MAX_FILTER_DEPTH + 2) + EQUALS + "</fes:Not>" * (MAX_FILTER_DEPTH + 2)
    ),
    "fes_too_many_nodes": wfs_with_filter(
        "<fes:Or>" + EQUALS * (MAX_FILTER_NODES // 4 + 50) + "</fes:Or>"
    ),
    "not_utf8": "<?xml version='1.0' encoding='utf-8'?><a>\xff\xfe</a>".encode("latin-1"),
    "utf16_declared_utf8": ('<?xml version="1.0" encoding="utf-8"?>' + WFS_OPEN + WFS_CLOSE).encode(
        "utf-16"
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_WFS_BODIES))
def test_hostile_wfs_post_gets_an_exception_report(client: TestClient, name: str) -> None:
    response = timed_post(client, "/wfs", HOSTILE_WFS_BODIES[name], "text/xml")
    assert exception_code(response) in ("InvalidParameterValue", "OperationParsingFailed")
    assert b"root:" not in response.content  # nothing of /etc/passwd leaks back


def test_fes_filter_in_get_is_bounded_too(client: TestClient) -> None:
    nested = "<fes:Not>" * (MAX_FILTER_DEPTH + 2) + EQUALS + "</fes:Not>" * (MAX_FILTER_DEPTH + 2)
    fes = f'<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">{nested}</fes:Filter>'
    response = client.get(
        "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=siep:departamentos"
        f"&FILTER={quote(fes)}"
    )
    assert exception_code(response) == "InvalidParameterValue"


def test_fes_filter_within_bounds_still_works(client: TestClient) -> None:
    response = timed_post(client, "/wfs", wfs_with_filter(EQUALS), "text/xml")
    assert response.status_code == 200, response.text[:300]


def deep_cql2_json(levels: int) -> str:
    inner = '{"op":"=","args":[{"property":"code"},"15"]}'
    return '{"op":"not","args":[' * levels + inner + "]}" * levels


CQL_CASES = {
    "text_too_long": {"filter": " OR ".join(["code='15'"] * 1500)},
    "text_too_many_nodes": {"filter": "population IN (" + ",".join(["1"] * 3000) + ")"},
    "text_too_deep": {
        "filter": "NOT (" * (MAX_FILTER_DEPTH + 2) + "code='15'" + ")" * (MAX_FILTER_DEPTH + 2)
    },
    "json_too_deep_ast": {
        "filter-lang": "cql2-json",
        "filter": deep_cql2_json(MAX_FILTER_DEPTH + 2),
    },
    "json_too_deep_document": {
        "filter-lang": "cql2-json",
        "filter": deep_cql2_json(MAX_JSON_DEPTH),
    },
    "json_nested_arrays": {"filter-lang": "cql2-json", "filter": "[" * 5000 + "]" * 5000},
    "json_too_long": {
        "filter-lang": "cql2-json",
        "filter": json.dumps({"op": "in", "args": [{"property": "code"}, ["15"] * 4000]}),
    },
}


@pytest.mark.parametrize("name", sorted(CQL_CASES))
def test_oversized_cql2_filter_gets_a_json_4xx(client: TestClient, name: str) -> None:
    """A filter is refused by the URL bound (414) before parsing when the URL is too long,
    otherwise by the filter bounds (400, an OGC exception)."""
    started = time.perf_counter()
    response = client.get(ITEMS, params=CQL_CASES[name])
    assert time.perf_counter() - started < SECONDS
    target = response.request.url.raw_path
    if len(target) > Settings().max_url_bytes:
        assert response.status_code == 414, response.text[:300]
        assert "URL longer than" in response.json()["detail"]
        return
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["code"] in ("InvalidParameterValue", "InvalidQuery")
    assert body["description"]


@pytest.mark.parametrize(
    "body",
    [deep_cql2_json(MAX_JSON_DEPTH), "[" * 20_000 + "]" * 20_000, '{"op":"=","args":' * 3000],
    ids=["deep_document", "nested_arrays", "unterminated_deep"],
)
def test_oversized_cql2_json_body_gets_a_json_4xx(client: TestClient, body: str) -> None:
    response = timed_post(client, ITEMS, body, "application/query-cql-json")
    assert 400 <= response.status_code < 500, response.text[:300]
    assert response.json()["code"] == "InvalidParameterValue"


def test_cql2_filters_within_bounds_still_work(client: TestClient) -> None:
    text = client.get(ITEMS, params={"filter": "code='15'"})
    as_json = client.get(ITEMS, params={"filter-lang": "cql2-json", "filter": deep_cql2_json(2)})
    assert text.status_code == 200 and text.json()["numberMatched"] == 1
    assert as_json.status_code == 200
    assert MAX_FILTER_CHARS >= 4096  # documented in docs/reliability.md
