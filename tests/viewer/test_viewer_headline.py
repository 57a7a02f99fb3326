"""The headline strip shows the national figures of one table of one document, and cites both."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.server import ServerProcess
from tests.viewer.test_viewer_browser import api, open_viewer

pytestmark = pytest.mark.browser


def test_headline_figures_match_the_series_and_cite_their_table(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server)
    desktop_page.wait_for_selector("body[data-headline]", timeout=20_000)
    period = desktop_page.inner_text("#hl-period dd")
    series = api(viewer_server, "/api/v1/series?indicator=population&place=PE&granularity=year")
    point = next(p for p in series["points"] if p["period"] == period)
    shown = desktop_page.inner_text("#hl-population dd").replace(",", "")
    assert int(shown) == point["value"]  # the national series serves the same figure
    capacity = api(viewer_server, "/api/v1/series?indicator=capacity&place=PE&granularity=year")
    cap_point = next(p for p in capacity["points"] if p["period"] == period)
    assert int(desktop_page.inner_text("#hl-capacity dd").replace(",", "")) == cap_point["value"]
    source = point["sources"][0]
    assert cap_point["sources"][0]["table"] == source["table"]  # one table for the strip
    cited = desktop_page.get_attribute("#hl-source", "title") or ""
    assert "Informe Estadístico de Tratamiento Penitenciario 2024" in cited
    assert source["table"] in cited
    desktop_page.watch.assert_clean()
