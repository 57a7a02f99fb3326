"""The HTML pages render in Chromium with every request outside the server blocked (no CDN).

/docs (Swagger UI) and /redoc (ReDoc) use the assets vendored from npm in static/vendor/; the
OGC API pages come from app/ogc/templates with the vendored Leaflet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import ServerProcess
from tests.viewer.conftest import DESKTOP, open_page

TIMEOUT_MS = 30_000


@pytest.fixture
def page(browser: Any, shipped_server: ServerProcess) -> Iterator[Any]:
    opened = open_page(browser, shipped_server.base_url, DESKTOP)
    yield opened
    opened.context.close()


def test_swagger_ui_renders_offline(page: Any, shipped_server: ServerProcess) -> None:
    page.goto(f"{shipped_server.base_url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=TIMEOUT_MS)
    assert "SIEP" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
    page.watch.assert_clean()


def test_redoc_renders_offline(page: Any, shipped_server: ServerProcess) -> None:
    page.goto(f"{shipped_server.base_url}/redoc")
    page.wait_for_selector("h1", timeout=TIMEOUT_MS)
    assert "SIEP" in page.inner_text("h1")
    page.watch.assert_clean()


def test_ogc_landing_page_renders_offline(page: Any, shipped_server: ServerProcess) -> None:
    page.goto(f"{shipped_server.base_url}/ogc?f=html")
    assert "SIEP" in page.inner_text("h1")
    page.goto(f"{shipped_server.base_url}/ogc/collections?f=html")
    page.wait_for_selector("#collections", timeout=TIMEOUT_MS)
    assert page.locator("#collections tr").count() == 1 + 6  # header + every collection
    page.watch.assert_clean()


def test_items_page_shows_features_on_a_leaflet_map_offline(
    page: Any, shipped_server: ServerProcess
) -> None:
    url = f"{shipped_server.base_url}/ogc/collections/establecimientos_penitenciarios/items"
    page.goto(f"{url}?f=html&limit=20")
    page.wait_for_selector("#map[data-ready='1']", timeout=TIMEOUT_MS)
    assert page.locator("path.leaflet-interactive").count() == 20
    assert page.locator("#features tr").count() == 1 + 20
    page.watch.assert_clean()
