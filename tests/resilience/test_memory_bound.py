"""Memory stays bounded under hostile variety (issue 13): hundreds of distinct WMS layer lists
and bounding boxes and OGC API boxes, each asked twice (so the response cache admits them),
grow the process's resident memory by less than a set ceiling."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.render import mapnik_render
from app.settings import Settings
from tests.resilience.serve import seeded_var_dir

REQUESTS = 150
CEILING_MB = 200


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url="", var_dir=seeded_var_dir(tmp_path / "var"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_distinct_hostile_requests_keep_memory_under_a_ceiling(client: TestClient) -> None:
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
        layers = ",".join(rng.choices(names, k=rng.randint(1, 32)))
        return f"{wms}&LAYERS={layers}&BBOX={box}&WIDTH=256&HEIGHT=256"

    for url in (hostile_url(i) for i in range(10)):  # warm up: catalog tables, Mapnik
        client.get(url)
    before = rss_mb()
    drawn = 0
    for i in range(REQUESTS):
        url = hostile_url(i)
        statuses = {client.get(url).status_code, client.get(url).status_code}
        assert statuses <= {200, 400}, url  # 400: a layer without data in the fixtures
        drawn += statuses == {200}
    assert drawn > REQUESTS // 2
    grown = rss_mb() - before
    print(f"\n{REQUESTS} distinct hostile requests x2: RSS {before:.0f} -> +{grown:.0f} MB")
    assert grown < CEILING_MB
    assert len(mapnik_render._slots) <= mapnik_render.MAX_MAPS
