"""Journalist tasks in ≤ 3 actions, phone, embed, accessibility (axe-core), complete English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import CHROMIUM_ARGS
from tests.support.server import ServerProcess
from tests.viewer.conftest import DESKTOP, PHONE, open_page
from tests.viewer.test_viewer_browser import READY, api, open_viewer, wait_for_state

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def visible(page: Any, *selectors: str) -> None:
    for selector in selectors:
        assert page.locator(selector).first.is_visible(), f"{selector} is not visible"


def test_highest_tb_rate_by_region_and_its_spreadsheet_in_three_actions(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(desktop_page, viewer_server)
    desktop_page.wait_for_selector("body[data-headline]", timeout=20_000)
    visible(desktop_page, "#headline #hl-population", "#hl-capacity", "#hl-overpopulation_pct")
    visible(desktop_page, "#hl-period", "#hl-source", "#map-title", "#legend", "#tab-table")
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-initial.png"))
    desktop_page.select_option("#indicator", "tb_rate")  # 1
    wait_for_state(desktop_page, "tb_rate|departamento|2024")
    desktop_page.click("#tab-table")  # 2
    first = desktop_page.locator("#ranking tbody tr").first
    body = api(viewer_server, "/api/v1/choropleth?indicator=tb_rate&level=departamento&period=2024")
    best = max(
        (f["properties"] for f in body["features"] if f["properties"]["value"] is not None),
        key=lambda p: p["value"],
    )
    assert first.get_attribute("data-code") == best["code"]
    assert best["display"] in first.inner_text()
    headers = desktop_page.inner_text("#ranking thead")
    for word in ("Valor", "Numerador", "Denominador", "Periodo"):
        assert word in headers
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-table.png"))
    with desktop_page.expect_download() as info:
        desktop_page.click('#table-view a[data-format="xlsx"]')  # 3
    assert info.value.suggested_filename.endswith(".xlsx")
    # Sorting by name, then back by value.
    desktop_page.click('#ranking button[data-column="place"]')
    names = desktop_page.eval_on_selector_all(
        "#ranking tbody th", "els => els.map(e => e.innerText)"
    )
    assert names == sorted(names, key=str.casefold) or names[0] < names[-1]
    desktop_page.watch.assert_clean()


def test_chart_has_one_granularity_and_a_real_time_axis(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(
        desktop_page, viewer_server, "#indicator=population&level=oficina_regional&tab=chart"
    )
    desktop_page.wait_for_selector("body[data-chart]")
    periods = desktop_page.eval_on_selector_all(
        "#chart-view circle[data-period]", "els => els.map(e => e.dataset.period)"
    )
    assert periods
    kinds = {
        "month" if re.fullmatch(r"\d{4}-\d{2}", p) else "quarter" if "Q" in p else "year"
        for p in periods
    }
    assert len(kinds) == 1, periods
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-chart.png"))
    # Yearly national population: x spacing follows time (2013 → 2014 = 2023 → 2024).
    desktop_page.goto("about:blank")
    open_viewer(desktop_page, viewer_server, "#indicator=IOP.01.02")
    xs = desktop_page.eval_on_selector_all(
        "#national circle[data-period]",
        "els => els.map(e => [e.dataset.period, Number(e.getAttribute('cx'))])",
    )
    by = dict(xs)
    assert by["2024"] - by["2023"] == pytest.approx((by["2023"] - by["2020"]) / 3, abs=0.6), by
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-national.png"))
    desktop_page.watch.assert_clean()


def test_lurigancho_over_time_and_establishments_coloured(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server)
    desktop_page.wait_for_selector("body[data-establishments]")
    desktop_page.fill("#search", "lurigancho")  # 1
    desktop_page.keyboard.press("Enter")  # 2
    desktop_page.wait_for_selector("#panel svg.chart, #panel .chart-note", timeout=20_000)
    assert "Lurigancho" in desktop_page.inner_text("#panel-title")
    desktop_page.keyboard.press("Escape")
    desktop_page.wait_for_selector("#panel", state="hidden")
    assert desktop_page.evaluate("document.activeElement.id") == "search"  # focus back
    desktop_page.select_option("#est-by", "overpopulation_pct")
    desktop_page.wait_for_selector('body[data-est-paint="overpopulation_pct"]')
    coloured = desktop_page.eval_on_selector_all(
        ".est-marker[data-color]:not([data-color=''])", "els => els.length"
    )
    assert coloured >= 5
    assert "Establecimientos" in desktop_page.inner_text("#legend")
    desktop_page.watch.assert_clean()


def test_share_on_a_phone_gives_a_link_with_a_preview_card(
    phone_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(phone_page, viewer_server, "#indicator=tb_rate&level=oficina_regional")
    visible(phone_page, "#menu-toggle", "#share", "#map-title", "#legend .legend-toggle")
    assert phone_page.locator("#legend-body").is_hidden()  # legend collapsed on phones
    phone_page.screenshot(path=str(artifacts / "phone-390-initial.png"))
    phone_page.locator('path[data-code="OR-SUR"]').dispatch_event("click")
    phone_page.wait_for_selector("#panel:not([hidden]) #panel-value")
    phone_page.wait_for_timeout(300)
    sheet = phone_page.locator("#panel").bounding_box()
    region = phone_page.locator('path[data-code="OR-SUR"]').bounding_box()
    assert region["y"] < sheet["y"], "the selected region is hidden by the sheet"
    phone_page.screenshot(path=str(artifacts / "phone-390-sheet.png"))
    phone_page.click("#menu-toggle")  # one overlay at a time: the drawer closes the sheet
    assert phone_page.locator("#panel").is_hidden()
    phone_page.click("#menu-toggle")
    phone_page.click("#share")  # 1
    phone_page.wait_for_selector("#share-dialog[open]")
    link = phone_page.input_value("#share-text")
    assert link.startswith(viewer_server.base_url + "/?") and "indicator=tb_rate" in link
    phone_page.screenshot(path=str(artifacts / "phone-390-share.png"))
    html = httpx.get(link, timeout=30).text
    image = re.search(r'property="og:image" content="([^"]+)"', html)
    assert image and 'name="twitter:card" content="summary_large_image"' in html
    png = httpx.get(image.group(1).replace("&amp;", "&"), timeout=60)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    phone_page.watch.assert_clean()


def test_embed_gives_iframe_code_and_the_page_can_be_framed(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(desktop_page, viewer_server, "#indicator=tb_rate&level=departamento")
    desktop_page.click("#embed")  # 1
    code = desktop_page.input_value("#share-text")
    src = re.search(r'<iframe src="([^"]+)"', code)
    assert src and "/embed?" in src.group(1)
    # A page of another origin (a newsroom's site) frames the map. That page is served by the
    # test (so Chromium sees a public site framing 127.0.0.1): lift Local Network Access checks.
    other = desktop_page.context.browser.browser_type.launch(
        executable_path="/usr/bin/chromium",
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    framed = other.new_page()
    html = f'<!doctype html><title>News</title><iframe id="f" src="{src.group(1)}" width="800" height="500"></iframe>'
    framed.route(
        "http://newsroom.test/", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    framed.goto("http://newsroom.test/")
    frame = framed.frame_locator("#f")
    frame.locator(READY).wait_for(timeout=20_000)
    assert frame.locator("path[data-code]").count() == 25
    assert frame.locator(".topbar").is_hidden() and frame.locator("#controls").is_hidden()
    framed.screenshot(path=str(artifacts / "embed-framed.png"))
    other.close()
    headers = httpx.get(f"{viewer_server.base_url}/", timeout=30).headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


AXE_RUN = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)"
)


def axe_violations(page: Any) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AXE_RUN))


def test_axe_finds_no_violation_on_any_screen(browser: Any, viewer_server: ServerProcess) -> None:
    results: dict[str, list[str]] = {}
    page = open_page(browser, viewer_server.base_url, DESKTOP, bypass_csp=True)
    open_viewer(page, viewer_server, "#indicator=population&level=departamento&place=16")
    page.wait_for_selector("#panel:not([hidden]) #panel-value")
    page.wait_for_selector("body[data-headline]", timeout=20_000)
    results["map + panel"] = axe_violations(page)
    page.keyboard.press("Escape")
    page.select_option("#indicator", "tb_rate")
    page.wait_for_selector('body[data-state^="tb_rate|departamento|"]')
    page.click("#tab-table")
    page.wait_for_selector("#ranking")
    results["table"] = axe_violations(page)
    page.click("#tab-chart")
    page.wait_for_selector("body[data-chart]")
    results["chart"] = axe_violations(page)
    page.click("#tab-map")
    page.select_option("#indicator", "IOP.01.02")
    page.wait_for_selector('body[data-state^="IOP.01.02|national|"]')
    results["national"] = axe_violations(page)
    page.click("#embed")
    page.wait_for_selector("#share-dialog[open]")
    results["embed dialog"] = axe_violations(page)
    page.click("#share-close")
    page.click("#lang-toggle")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector('body[data-state^="IOP.01.02|national|"]')
    results["english"] = axe_violations(page)
    page.context.close()
    phone = open_page(browser, viewer_server.base_url, PHONE, bypass_csp=True, is_mobile=True)
    open_viewer(phone, viewer_server, "#indicator=tb_rate&level=oficina_regional")
    phone.wait_for_selector("body[data-headline]", timeout=20_000)
    results["phone"] = axe_violations(phone)
    phone.context.close()
    assert not {k: v for k, v in results.items() if v}


def test_focus_order_puts_controls_before_markers(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server)
    desktop_page.wait_for_selector("body[data-establishments]")
    order = desktop_page.evaluate(
        """() => {
          const all = [...document.querySelectorAll('#map a[href], #map button, #map [tabindex="0"]')];
          const zoom = all.findIndex(e => e.classList.contains('leaflet-control-zoom-in'));
          const marker = all.findIndex(e => e.classList.contains('leaflet-marker-icon'));
          return [zoom, marker];
        }"""
    )
    assert 0 <= order[0] < order[1]


def test_english_is_complete(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(
        desktop_page, viewer_server, "#indicator=population&level=departamento&lang=en&place=16"
    )
    desktop_page.wait_for_selector("#panel:not([hidden]) #panel-value")
    tables = desktop_page.evaluate("async () => (await import('/js/i18n.js')).allStrings()")
    assert set(tables["es"]) == set(tables["en"]), set(tables["es"]) ^ set(tables["en"])
    spanish_only = {
        v for k, v in tables["es"].items() if v != tables["en"][k] and "{" not in v and len(v) > 2
    }
    desktop_page.click("#tab-table")
    desktop_page.wait_for_selector("#ranking")
    texts = set()
    for tab in ("#tab-table", "#tab-chart", "#tab-map"):
        desktop_page.click(tab)
        desktop_page.wait_for_timeout(400)
        texts |= set(
            desktop_page.evaluate(
                """() => {
                  const out = [];
                  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                  while (walk.nextNode()) out.push(walk.currentNode.textContent.trim());
                  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]')) {
                    out.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '',
                             el.getAttribute('placeholder') || '');
                  }
                  for (const el of document.querySelectorAll('optgroup')) out.push(el.label);
                  return out.filter(Boolean);
                }"""
            )
        )
    leftovers = sorted(texts & spanish_only)
    assert not leftovers, leftovers
    assert "people" in desktop_page.inner_text("#legend")
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-english.png"))
    desktop_page.watch.assert_clean()


def test_time_slider_keeps_one_granularity_and_plays(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    open_viewer(desktop_page, viewer_server, "#indicator=tb_cases&level=oficina_regional")
    wait_for_state(desktop_page, "tb_cases|oficina_regional|2024")
    grans = desktop_page.eval_on_selector_all(
        'input[name="granularity"]', "els => els.map(e => e.value)"
    )
    assert grans == ["quarter", "year"]
    assert desktop_page.is_disabled("#period")  # a single year: nothing to slide
    desktop_page.check('input[name="granularity"][value="quarter"]', force=True)
    wait_for_state(desktop_page, "tb_cases|oficina_regional|2024-Q4")
    assert desktop_page.inner_text("#period-min") == "2024-Q1"
    assert desktop_page.get_attribute("#period", "max") == "3"
    desktop_page.click("#play")  # from the last period, play starts again at the first
    wait_for_state(desktop_page, "tb_cases|oficina_regional|2024-Q1")
    wait_for_state(desktop_page, "tb_cases|oficina_regional|2024-Q2")
    desktop_page.click("#play")  # pause
    assert desktop_page.get_attribute("#play", "aria-pressed") == "false"
    desktop_page.watch.assert_clean()


def test_legends_and_sources_mean_what_they_say(
    desktop_page: Any, viewer_server: ServerProcess, artifacts: Path
) -> None:
    open_viewer(desktop_page, viewer_server, "#indicator=hiv_cases&level=provincia&place=1501")
    desktop_page.wait_for_selector("#panel:not([hidden]) #panel-value")
    classes = desktop_page.eval_on_selector_all(
        "#legend .legend-class .label", "els => els.map(e => e.textContent)"
    )
    assert classes and all(re.fullmatch(r"[\d,]+( – [\d,]+)?", c) for c in classes), classes
    legend = desktop_page.inner_text("#legend")
    assert "No aplica" in legend and "Sin dato" in legend
    assert "Dato reservado (pocos casos)" in legend
    cited = desktop_page.inner_text("#panel .sources") + desktop_page.inner_text("#cite-text")
    assert "seeds/" not in cited and "line" not in cited and ".txt" not in cited
    assert "versión" in desktop_page.inner_text("#cite-text")
    assert viewer_server.base_url + "/?indicator=hiv_cases" in desktop_page.inner_text("#cite-text")
    desktop_page.screenshot(path=str(artifacts / "desktop-1366-legend-counts.png"))
    open_viewer(desktop_page, viewer_server, "#indicator=overcrowded&level=oficina_regional")
    desktop_page.reload()
    desktop_page.wait_for_selector(READY)
    wait_for_state(desktop_page, "overcrowded|oficina_regional|")
    labels = desktop_page.eval_on_selector_all(
        "#legend .legend-class .label", "els => els.map(e => e.textContent)"
    )
    assert set(labels) <= {"Sí", "No"} and labels, labels
    desktop_page.watch.assert_clean()


def test_share_uses_the_web_share_api_where_there_is_one(
    phone_page: Any, viewer_server: ServerProcess
) -> None:
    phone_page.add_init_script("navigator.share = async (data) => { window.__shared = data; };")
    open_viewer(phone_page, viewer_server, "#indicator=population&level=departamento")
    phone_page.click("#share")
    phone_page.wait_for_selector('body[data-shared="shared"]')
    shared = phone_page.evaluate("window.__shared")
    assert shared["url"].startswith(viewer_server.base_url + "/?indicator=population")
    assert phone_page.locator("#share-dialog[open]").count() == 0
    phone_page.watch.assert_clean()


def test_establishments_sharing_a_point_are_drawn_apart_and_each_is_clickable(
    desktop_page: Any, viewer_server: ServerProcess
) -> None:
    """Where several establishments sit at one point (a district capital), each marker is
    drawn apart from the others around that point and opens its own popup."""
    open_viewer(desktop_page, viewer_server)
    features = api(viewer_server, "/api/v1/establishments")["features"]
    groups: dict[tuple[float, ...], list[str]] = {}
    for feature in features:
        if feature["geometry"]:
            key = tuple(feature["geometry"]["coordinates"])
            groups.setdefault(key, []).append(feature["properties"]["name"])
    shared = [names for names in groups.values() if len(names) > 1]
    assert shared, "the shipped data has establishments sharing a point"
    desktop_page.evaluate("window.scrollTo(0, 0)")
    for names in shared:
        centres = []
        for name in names:
            box = desktop_page.locator(f'.est-icon[title="{name}"]').bounding_box()
            assert box is not None, name
            centres.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        for i, a in enumerate(centres):
            for b in centres[i + 1 :]:
                assert max(abs(a[0] - b[0]), abs(a[1] - b[1])) >= 6, (names, centres)
    name = shared[0][-1]
    desktop_page.locator(f'.est-icon[title="{name}"]').click(force=True)
    desktop_page.wait_for_selector(".leaflet-popup")
    assert name in desktop_page.inner_text(".leaflet-popup")
