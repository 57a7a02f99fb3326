"""The viewer end to end with the /api/v1 fields it relies on: periods by level for the
period slider, and establishment figures in the establishments list (no extra request)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser
READY = 'body[data-ready="1"]'


def _indicator(server: ServerProcess, code: str) -> dict[str, Any]:
    body = httpx.get(f"{server.base_url}/api/v1/indicators", timeout=30).json()
    return next(i for i in body["indicators"] if i["code"] == code)


def test_period_slider_offers_the_periods_with_data_at_the_level(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    population = _indicator(viewer_server, "population")
    departamento = population["periods_by_level"]["departamento"]
    assert len(departamento) < len(population["periods"])  # national-only years left out
    desktop_page.goto(f"{viewer_server.base_url}/#indicator=population&level=departamento")
    desktop_page.wait_for_selector(READY, timeout=20_000)
    slider = desktop_page.locator("#period")
    assert slider.get_attribute("max") == str(len(departamento) - 1)
    assert desktop_page.inner_text("#period-min") == departamento[0]
    assert desktop_page.inner_text("#period-max") == departamento[-1]
    desktop_page.watch.assert_clean()


def test_markers_are_sized_from_the_establishments_list_alone(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    requests: list[str] = []
    desktop_page.on("request", lambda r: requests.append(r.url))
    desktop_page.goto(f"{viewer_server.base_url}/#indicator=population&level=departamento")
    desktop_page.wait_for_selector(READY, timeout=20_000)
    desktop_page.wait_for_selector("body[data-establishments]", timeout=20_000)
    assert not [u for u in requests if "level=establishment" in u], requests
    sized = desktop_page.eval_on_selector_all(
        ".est-marker.est-ep", "els => els.filter(e => !e.classList.contains('nodata')).length"
    )
    body = httpx.get(f"{viewer_server.base_url}/api/v1/establishments", timeout=30).json()
    with_population = [f for f in body["features"] if f["properties"]["population"] is not None]
    assert with_population and sized == len(
        [f for f in with_population if f["properties"]["kind"] == "ep"]
    )
    desktop_page.watch.assert_clean()
