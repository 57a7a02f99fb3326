"""The /ogc gateway: plain items queries (app.ogc.items_fast) give pygeoapi's own document,
every /ogc answer carries the catalog ETag (304 on If-None-Match), and the OGC API Maps
styles route works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient

from app.layers import default_layers
from app.main import create_app
from app.ogc.features import layer_fields
from app.ogc.items_fast import CRS84, ItemsQuery, parse_items_query
from app.settings import Settings

EP = "/ogc/collections/establecimientos_penitenciarios/items"
PROV = "/ogc/collections/provincias/items"
FAST_QUERIES = [
    (EP, "f=json&limit=100", {}),
    (EP, "", {}),
    (EP, "limit=5", {"Accept": "application/json"}),
    (EP, "f=json&limit=3&offset=4", {}),
    (EP, "f=json&limit=100&bbox=-78.5,-13.2,-75.1,-10.05", {}),
    (EP, f"f=json&bbox=-80,-18,-70,-5&bbox-crs={CRS84}&limit=7", {}),
    (EP, "f=json&limit=10&bbox=-81.5,-18.5,-68.5,0.1&oficina_regional=OR-LIMA", {}),
    (EP, "oficina_regional=OR-SUR&limit=2&offset=1", {"Accept-Language": "en"}),
    (EP, "f=json&limit=2&offset=500", {}),
    (PROV, "f=json&limit=4&bbox=-77.5,-12.5,-76.5,-11.5", {}),
    (PROV, "limit=3&departamento=15", {"Accept": "*/*"}),
]
PYGEOAPI_QUERIES = [  # not plain: pygeoapi answers (and its errors stay its own)
    (EP, "f=geojson", {}),
    (EP, "f=html&limit=2", {}),
    (EP, "limit=2", {"Accept": "text/html"}),
    (EP, "limit=0", {}),
    (EP, "bbox=1,2,3", {}),
    (EP, "sortby=-name&limit=3", {}),
    (EP, "lang=en&limit=3", {}),
    (EP, "filter=oficina_regional='OR-LIMA'&limit=3", {}),
]


@pytest.fixture(scope="module")
def clients(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    """Our app, and pygeoapi's own Starlette app behind our gateway (the reference)."""
    folder = tmp_path_factory.mktemp("itemsfast")
    app = create_app(Settings(database_url=shipped_store_url, var_dir=folder / "var"))
    with TestClient(app) as ours:
        reference = TestClient(app.state.ogc_gateway.app, root_path="/ogc")
        yield ours, reference


def _without_timestamp(document: dict[str, Any]) -> dict[str, Any]:
    assert "timeStamp" in document
    return {k: v for k, v in document.items() if k != "timeStamp"}


@pytest.mark.parametrize(("path", "query", "headers"), FAST_QUERIES)
def test_plain_items_query_equals_pygeoapi_answer(
    clients: tuple[TestClient, TestClient], path: str, query: str, headers: dict[str, str]
) -> None:
    ours, reference = clients
    fast = ours.get(f"{path}?{query}", headers=headers)
    slow = reference.get(f"{path.removeprefix('/ogc')}?{query}", headers=headers)
    assert fast.status_code == slow.status_code == 200
    assert _without_timestamp(fast.json()) == _without_timestamp(slow.json())
    for name in ("content-type", "content-language", "content-crs", "x-powered-by"):
        assert fast.headers[name] == slow.headers[name]
    assert fast.headers["etag"] == '"v1"'
    assert "max-age" in fast.headers["cache-control"]


@pytest.mark.parametrize(("path", "query", "headers"), PYGEOAPI_QUERIES)
def test_other_items_queries_are_pygeoapi_answers(
    clients: tuple[TestClient, TestClient], path: str, query: str, headers: dict[str, str]
) -> None:
    ours, reference = clients
    answer = ours.get(f"{path}?{query}", headers=headers)
    slow = reference.get(f"{path.removeprefix('/ogc')}?{query}", headers=headers)
    assert answer.status_code == slow.status_code
    assert answer.headers["content-type"] == slow.headers["content-type"]
    if answer.status_code == 200:
        assert answer.headers["etag"] == '"v1"'
    else:
        assert "etag" not in answer.headers


def test_fast_path_answers_more_than_pygeoapi_pages(clients: tuple[TestClient, TestClient]) -> None:
    ours, _ = clients
    pages: list[str] = []
    url: str | None = f"{EP}?f=json&limit=10"
    while url:
        doc = ours.get(url.replace("http://127.0.0.1:8000", "")).json()
        pages.extend(f["id"] for f in doc["features"])
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    assert len(pages) == len(set(pages)) == doc["numberMatched"]


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/collections",
        "/ogc/collections/provincias",
        f"{EP}?f=json&limit=3",
        f"{EP}?sortby=name&limit=3",
        "/ogc/collections/provincias/map?f=png&width=64&height=64",
    ],
)
def test_ogc_answers_carry_the_catalog_etag_and_revalidate(
    clients: tuple[TestClient, TestClient], path: str
) -> None:
    ours, _ = clients
    first = ours.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == '"v1"' and "max-age" in first.headers["cache-control"]
    again = ours.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_revalidation_before_the_answer_is_cached(clients: tuple[TestClient, TestClient]) -> None:
    ours, _ = clients
    for path in (f"{EP}?f=json&limit=4&offset=2", f"{EP}?sortby=code&limit=4"):
        answer = ours.get(path, headers={"If-None-Match": '"v1"'})
        assert answer.status_code == 304 and answer.headers["etag"] == '"v1"'


def _parsed(path: str, query: str, headers: dict[str, str]) -> ItemsQuery | None:
    layer = default_layers().get(path.split("/")[3])
    assert layer is not None
    params = parse_qsl(query, keep_blank_values=True)
    return parse_items_query(layer, layer_fields(layer), params, headers.get("Accept", ""))


@pytest.mark.parametrize(("path", "query", "headers"), FAST_QUERIES)
def test_plain_queries_take_the_fast_path(path: str, query: str, headers: dict[str, str]) -> None:
    assert _parsed(path, query, headers) is not None


@pytest.mark.parametrize(("path", "query", "headers"), PYGEOAPI_QUERIES)
def test_other_queries_go_to_pygeoapi(path: str, query: str, headers: dict[str, str]) -> None:
    assert _parsed(path, query, headers) is None


@pytest.mark.parametrize("style", ["quantiles", "jenks", "equal_interval"])
def test_maps_styles_route_draws_the_named_style(
    clients: tuple[TestClient, TestClient], style: str
) -> None:
    ours, _ = clients
    answer = ours.get(f"/ogc/collections/provincias/styles/{style}/map?f=png&width=80&height=80")
    assert answer.status_code == 200
    assert answer.content.startswith(b"\x89PNG") and answer.headers["etag"] == '"v1"'


def test_maps_styles_route_rejects_unknown_styles(clients: tuple[TestClient, TestClient]) -> None:
    ours, _ = clients
    answer = ours.get("/ogc/collections/provincias/styles/nope/map?f=png&width=80&height=80")
    assert answer.status_code == 400
    assert "quantiles" in answer.text


@pytest.mark.parametrize("path", [f"{EP}?f=json&limit=1", "/ogc/collections?f=json"])
def test_cached_answers_keep_their_language(
    clients: tuple[TestClient, TestClient], path: str
) -> None:
    ours, _ = clients
    for _ in range(2):  # the second round comes from the response cache
        spanish = ours.get(path)
        english = ours.get(path, headers={"Accept-Language": "en"})
        assert spanish.headers["content-language"] == "es-PE"
        assert english.headers["content-language"] == "en-US"
        assert "Accept-Language" in english.headers["vary"]
