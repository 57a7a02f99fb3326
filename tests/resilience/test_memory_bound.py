"""Memory stays bounded under hostile variety (issue 13): hundreds of distinct WMS layer lists
and bounding boxes and OGC API boxes, each asked twice (so the response cache admits them),
grow the memory of the process and its map workers (PSS: shared pages counted once) by less
than a set ceiling, and every worker's prepared maps stay within their bounds."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.ogc.gml import MAX_GML_CACHE_BYTES
from app.ogc.pygeoapi_app import MAX_APIS
from app.render import mapnik_render
from app.render.pool import WorkerPool
from app.settings import Settings
from tests.resilience.serve import seeded_var_dir, tree_memory_mb

REQUESTS = 150
WFS = "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=siep:provincias&COUNT=500"
CEILING_MB = 200


def memory_mb() -> float:
    return tree_memory_mb(os.getpid())[1]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url="", var_dir=seeded_var_dir(tmp_path / "var"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_distinct_hostile_requests_keep_memory_under_a_ceiling(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    capabilities = client.get("/wms?SERVICE=WMS&REQUEST=GetCapabilities").text
    names = sorted(set(re.findall(r"<Name>([a-z_]+\.[a-z_]+)</Name>", capabilities)))
    assert len(names) >= 4
    rng = random.Random(13)
    wms = "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:4326&FORMAT=image/png"

    def hostile_url(i: int) -> str:
        south, west = rng.uniform(-18, -2), rng.uniform(-81, -70)
        box = f"{south:.5f},{west:.5f},{south + rng.uniform(0.1, 3):.5f},{west + 2:.5f}"
        if i % 3 == 0:
            return f"/ogc/collections/provincias/items?bbox={west},{south},{west + 2},{south + 2}"
        if i % 3 == 1 and i % 2:  # GML is cached per base URL, taken from the Host header
            return WFS
        layers = ",".join(rng.choices(names, k=rng.randint(1, 32)))
        return f"{wms}&LAYERS={layers}&BBOX={box}&WIDTH=256&HEIGHT=256"

    def get(url: str, i: int) -> int:
        headers = {"Host": f"host-{i}.example"}  # every request names another host
        return client.get(url, headers=headers).status_code

    for i in range(10):  # warm up: catalog tables, Mapnik
        get(hostile_url(i), i)
    before = memory_mb()
    drawn = 0
    for i in range(REQUESTS):
        url = hostile_url(i)
        statuses = {get(url, i), get(url, i)}
        assert statuses <= {200, 400}, url  # 400: a layer without data in the fixtures
        drawn += statuses == {200}
    assert drawn > REQUESTS // 2
    grown = memory_mb() - before
    print(f"\n{REQUESTS} distinct hostile requests x2: PSS {before:.0f} -> +{grown:.0f} MB")
    assert grown < CEILING_MB
    renderer = app.state.render_pool
    assert isinstance(renderer, WorkerPool)
    for maps, size_bytes in renderer.prepared_maps():
        assert maps <= mapnik_render.MAX_MAPS
        assert size_bytes <= mapnik_render.MAX_MAP_CACHE_BYTES
    gml = app.state.wfs_service.gml
    assert 0 < gml.size_bytes <= MAX_GML_CACHE_BYTES
    assert len(app.state.ogc_apis) <= MAX_APIS
