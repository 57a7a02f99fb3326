"""Only what can be shown: every indicator × level of the menu draws a map or explains why not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.server import ServerProcess
from tests.viewer.test_viewer_browser import READY, api, open_viewer

pytestmark = pytest.mark.browser
LEVELS = ("departamento", "provincia", "oficina_regional", "distrito")


def wait_state(page: Any, prefix: str) -> str:
    page.wait_for_function(
        "p => (document.body.dataset.state || '').startsWith(p)", arg=prefix, timeout=20_000
    )
    return str(page.evaluate("document.body.dataset.state"))


def test_every_indicator_and_level_draws_a_map_or_says_why(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    indicators = api(viewer_server, "/api/v1/indicators")["indicators"]
    open_viewer(desktop_page, viewer_server)
    options = desktop_page.eval_on_selector_all(
        "#indicator option",
        "els => els.map(e => ({code: e.value, text: e.textContent, disabled: e.disabled}))",
    )
    assert {o["code"] for o in options} == {i["code"] for i in indicators}
    checked = 0
    for ind in indicators:
        option = next(o for o in options if o["code"] == ind["code"])
        by_level = ind["periods_by_level"]
        levels = [level for level in LEVELS if by_level.get(level)]
        if not levels and not by_level.get("national"):
            assert option["disabled"] and "sin datos" in option["text"], option
            continue
        assert not option["disabled"], option
        desktop_page.select_option("#indicator", ind["code"])
        if not levels:
            # National only: headline figure and chart, never a (stale) map.
            assert "solo nacional" in option["text"], option
            state = wait_state(desktop_page, f"{ind['code']}|national|")
            assert not state.endswith("|error"), state
            assert desktop_page.locator("#national").is_visible()
            assert desktop_page.locator("#national-value").inner_text().strip()
            assert desktop_page.locator("path[data-code]").count() == 0
            assert "solo tiene cifras nacionales" in desktop_page.inner_text("#level-hint")
            for level in LEVELS:
                assert desktop_page.is_disabled(f'input[name="level"][value="{level}"]')
            checked += 1
            continue
        for level in LEVELS:
            radio = f'input[name="level"][value="{level}"]'
            if level not in levels:
                assert desktop_page.is_disabled(radio), (ind["code"], level)
                title = desktop_page.get_attribute(f"label:has({radio})", "title") or ""
                assert title.startswith("sin datos por"), (ind["code"], level, title)
                continue
            desktop_page.check(radio, force=True)
            state = wait_state(desktop_page, f"{ind['code']}|{level}|")
            assert not state.endswith("|error"), state
            assert desktop_page.locator("path[data-code]").count() > 0, state
            legend = desktop_page.inner_text("#legend")
            assert ind["label"].split(" (")[0] in legend or ind["label"] in legend, (state, legend)
            assert desktop_page.locator("#status.error").count() == 0, state
            checked += 1
    assert checked >= 20
    desktop_page.watch.assert_clean()


def test_a_failed_request_clears_the_map_and_says_so_in_spanish(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(desktop_page, viewer_server, "#indicator=population&level=departamento")
    assert desktop_page.locator("path[data-code]").count() == 25

    def fail(route: Any) -> None:
        route.fulfill(status=503, body='{"detail": "Service Unavailable"}')

    desktop_page.route("**/api/v1/choropleth?indicator=tb_rate*", fail)
    desktop_page.select_option("#indicator", "tb_rate")
    wait_state(desktop_page, "tb_rate|departamento|error")
    assert desktop_page.locator("path[data-code]").count() == 0  # no stale map
    status = desktop_page.inner_text("#status")
    assert "No se pudieron cargar los datos" in status and "503" in status
    assert "Service Unavailable" not in desktop_page.inner_text("body")
    assert "Población penal" not in desktop_page.inner_text("#map-title")
    desktop_page.screenshot(path=str(artifacts / "desktop-error.png"))
    desktop_page.watch.console_errors.clear()  # the refused request itself is logged


def test_indicator_menu_changes_only_on_confirmation(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server)
    desktop_page.focus("#indicator")
    desktop_page.keyboard.press("ArrowDown")
    desktop_page.keyboard.press("ArrowDown")
    desktop_page.wait_for_timeout(400)
    assert desktop_page.evaluate("document.body.dataset.state").startswith("population|")
    assert desktop_page.inner_text("#indicator-hint")
    desktop_page.keyboard.press("Enter")
    chosen = desktop_page.input_value("#indicator")
    assert chosen != "population"
    wait_state(desktop_page, f"{chosen}|")
    desktop_page.watch.assert_clean()


def test_ready_selector_is_set(desktop_page: Any, viewer_server: ServerProcess) -> None:
    open_viewer(desktop_page, viewer_server, "#indicator=IOP.01.02")
    desktop_page.wait_for_selector(READY)
    assert desktop_page.evaluate("document.body.dataset.state").startswith("IOP.01.02|national|")
    desktop_page.watch.assert_clean()
