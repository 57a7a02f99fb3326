"""Tile test fixtures: `tile_server` is the shared server on the fixture data (SQLite) with
its feature tables built; `server` (PostGIS too) and `shipped_server` come from tests/conftest.py."""

from __future__ import annotations

import httpx
import pytest

from app.layers import default_layers
from tests.support.server import ServerProcess, SharedServers


@pytest.fixture(scope="package")
def tile_server(fixture_sqlite_url: str, shared_servers: SharedServers) -> ServerProcess:
    """The fixture dataset on SQLite, one server for every test module here."""
    process = shared_servers.get({"SIEP_DATABASE_URL": fixture_sqlite_url})
    for layer_id in default_layers().ids():  # build the feature tables before the tests time out
        httpx.get(
            f"{process.base_url}/ogc/collections/{layer_id}/tiles/WebMercatorQuad", timeout=120
        )
    return process
