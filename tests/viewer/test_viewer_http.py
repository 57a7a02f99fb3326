"""The viewer's HTTP surface: static files at /, security headers, /viewer-config.json."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import PROJECT_ROOT, Settings

STATIC = PROJECT_ROOT / "static"


@pytest.fixture
def client_for(
    make_settings: Callable[..., Settings], make_store: Callable[[str], str]
) -> Callable[..., TestClient]:
    def factory(**overrides: object) -> TestClient:
        # An empty, migrated store: the app never creates one (a missing store is an error).
        settings = make_settings(database_url=make_store("sqlite"), **overrides)
        return TestClient(create_app(settings))

    return factory


def test_index_is_served_at_root_with_a_strict_csp(client_for: Callable[..., TestClient]) -> None:
    response = client_for().get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_scripts_styles_or_external_urls() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "external resource"
    for module in (STATIC / "js").glob("*.js"):
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"""\bimport\b[^;]*["']https?://""", text), module.name
        assert "innerHTML" not in text or "style=" not in text, module.name


def test_vendored_leaflet_ships_with_its_licence(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    for path in ("leaflet.js", "leaflet.css", "LICENSE"):
        response = client.get(f"/vendor/leaflet/{path}")
        assert response.status_code == 200, path
    assert "Agafonkin" in client.get("/vendor/leaflet/LICENSE").text
    assert "max-age" in client.get("/vendor/leaflet/leaflet.js").headers["cache-control"]


def test_own_modules_are_revalidated_and_served_as_javascript(
    client_for: Callable[..., TestClient],
) -> None:
    response = client_for().get("/js/main.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "no-cache"
    assert "etag" in response.headers


def test_config_has_no_tiles_by_default(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    body = client.get("/viewer-config.json").json()
    assert body["osm_tiles"] is False and body["tile_url"] is None
    assert "CC BY 3.0 IGO" in body["boundary_attribution"]
    assert "INPE" in body["data_attribution"]
    assert "openstreetmap" not in client.get("/").headers["content-security-policy"]


def test_osm_setting_offers_tiles_and_opens_only_img_src(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(viewer_osm_tiles=True)
    body = client.get("/viewer-config.json").json()
    assert body["osm_tiles"] is True
    assert body["tile_url"].startswith("https://tile.openstreetmap.org/")
    csp = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org;" in csp
    assert "connect-src 'self';" in csp and "script-src 'self';" in csp


def test_viewer_does_not_shadow_the_api(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/no-such-page.html").status_code == 404


def test_embed_page_may_be_framed_the_main_page_not(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    embed = client.get("/embed?indicator=tb_rate&level=departamento")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "script-src 'self';" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    main = client.get("/")
    assert "frame-ancestors 'none'" in main.headers["content-security-policy"]
    assert main.headers["x-frame-options"] == "DENY"


def test_preview_card_tags_name_the_view_and_escape_the_query(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(public_url="https://siep.example.org")
    html = client.get('/?indicator=tb_rate&level=provincia&period=2024"><script>x</script>').text
    assert '<meta property="og:image" content="https://siep.example.org/api/v1/choropleth?' in html
    assert "indicator=tb_rate&amp;level=provincia" in html
    assert "<script>x</script>" not in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    national = client.get("/?indicator=IOP.01.02&level=national").text
    assert "/api/v1/series?indicator=IOP.01.02&amp;place=PE" in national


def test_text_responses_are_compressed(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    for path in (
        "/",
        "/js/main.js",
        "/css/viewer.css",
        "/vendor/leaflet/leaflet.js",
        "/openapi.json",
    ):
        response = client.get(path, headers={"accept-encoding": "gzip"})
        assert response.headers.get("content-encoding") == "gzip", path


def test_context_layer_files_are_vendored_with_their_licences(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for()
    topology = client.get("/vendor/world-atlas/south-america-50m.json").json()
    ids = {g["id"] for g in topology["objects"]["countries"]["geometries"]}
    assert {"604", "218", "170", "076", "068", "152"} <= ids and "840" not in ids
    assert "Bostock" in client.get("/vendor/world-atlas/LICENSE").text
    assert client.get("/vendor/topojson-client/topojson-client.min.js").status_code == 200
    assert "Bostock" in client.get("/vendor/topojson-client/LICENSE").text
