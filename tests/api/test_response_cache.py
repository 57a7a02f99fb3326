"""The process-wide response cache: hits, 304s, bounded memory, invalidation on a new version."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.response_cache import CachedResponse, VersionedLRU
from app.main import create_app
from app.settings import Settings
from app.store.ingest.datasets import DatasetMeta, load_dataset

URL = "/api/v1/choropleth?indicator=population&level=oficina_regional&period=2024-12"


def test_lru_is_bounded_in_bytes_and_reset_by_a_new_version() -> None:
    entry = CachedResponse([(b"k", b"v")], b"x" * 100)
    lru = VersionedLRU(max_bytes=8 * entry.size(b"a"))
    assert lru.get(1, b"a") is None
    for key in (b"a", b"b", b"c"):
        lru.put(1, key, entry)
    lru.put(1, b"huge", CachedResponse([], b"x" * 1000))  # > 1/8 of the cache: not kept
    assert len(lru) == 3 and lru.get(1, b"huge") is None
    for key in (b"d", b"e", b"f", b"g", b"h", b"i"):
        lru.put(1, key, entry)
    assert len(lru) == 8 and lru.get(1, b"a") is None
    assert lru.get(2, b"i") is None and len(lru) == 0


def test_an_answer_is_admitted_on_its_second_ask_only() -> None:
    lru = VersionedLRU(max_bytes=1 << 20)
    lru.get(1, b"tile")  # sets the version
    assert lru.admit(1, b"tile") is False
    assert lru.admit(1, b"other") is False
    assert lru.admit(1, b"tile") is True
    lru.get(2, b"tile")
    assert lru.admit(2, b"tile") is False  # a new version forgets what was seen


@pytest.fixture
def app(
    seeded_engine: Engine, store_url: str, make_settings: Callable[..., Settings]
) -> Iterator[FastAPI]:
    yield create_app(make_settings(database_url=store_url))


def test_hit_serves_the_same_bytes_and_revalidates_with_304(app: FastAPI) -> None:
    with TestClient(app) as client:
        first = client.get(URL)
        client.get(URL)  # the second ask is stored
        third = client.get(URL)
        assert third.content == first.content
        assert third.headers["content-type"] == first.headers["content-type"]
        assert app.state.response_cache.hits == 1
        again = client.get(URL, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        head = client.head(URL)
        assert head.status_code == 200 and head.content == b""


def test_a_new_data_version_is_served_at_once(app: FastAPI, seeded_engine: Engine) -> None:
    with TestClient(app) as client:
        before = client.get(URL)
        load_dataset(
            seeded_engine,
            b"indicator,place_type,place_code,period,value,source_locator\n"
            b"population,oficina_regional,OR-LIMA,2024-12,12001,p. 1\n",
            "fix.csv",
            DatasetMeta("fix", "Corrección"),
        )
        app.state.holder.refresh()
        after = client.get(URL)
        assert after.headers["etag"] != before.headers["etag"]
        lima = [f for f in after.json()["features"] if f["properties"]["code"] == "OR-LIMA"]
        assert lima[0]["properties"]["value"] == 12001


def test_errors_and_writes_are_never_cached(app: FastAPI) -> None:
    with TestClient(app) as client:
        for _ in range(2):
            assert client.get("/api/v1/choropleth?indicator=nope").status_code == 400
        assert len(app.state.response_cache) == 0
