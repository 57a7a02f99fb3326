"""Tile test fixtures: real servers (uvicorn) on the fixture data (SQLite; one PostGIS) and on
the shipped dataset, as in tests/ogc."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.layers import default_layers
from tests.ogc.conftest import _seeded_sqlite, _serve, fixture_store, server, shipped_server
from tests.support.server import ServerProcess

__all__ = ["fixture_store", "server", "shipped_server"]


@pytest.fixture(scope="package")
def tile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The fixture dataset on SQLite, one server for every test module here."""
    tmp = tmp_path_factory.mktemp("tiles")
    process = _serve(_seeded_sqlite(tmp), tmp)
    for layer_id in default_layers().ids():  # build the feature tables before the tests time out
        httpx.get(
            f"{process.base_url}/ogc/collections/{layer_id}/tiles/WebMercatorQuad", timeout=120
        )
    yield process
    process.stop()
