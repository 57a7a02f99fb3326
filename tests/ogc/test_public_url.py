"""Links come from the request (or SIEP_PUBLIC_URL), per app: no process-wide state.

Two apps with different settings live in one process; a real uvicorn on a random port advertises
its own port (OWSLib then draws through the capabilities' URLs); X-Forwarded-* headers from a
trusted proxy give prefixed links.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from PIL import Image

from app.main import create_app
from app.settings import Settings
from tests.support.server import ServerProcess

ENDPOINTS = (
    "/ogc",
    "/ogc/collections",
    "/ogc/collections/departamentos",
    "/ogc/collections/departamentos/items?limit=2",
    "/ogc/openapi",
    "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
    "/wfs?SERVICE=WFS&REQUEST=GetCapabilities",
    "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=siep:departamentos&COUNT=1",
)


def _app(store: str, folder: Path, **overrides: object) -> TestClient:
    settings = Settings(database_url=store, var_dir=folder / "var", **overrides)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def two_apps(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    folder = tmp_path_factory.mktemp("twoapps")
    one = _app(shipped_store_url, folder / "a", public_url="https://siep-a.example.org/geo")
    two = _app(shipped_store_url, folder / "b", forwarded_allow_ips=["*"])
    with one, two:
        yield one, two


def _text(client: TestClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


@pytest.mark.parametrize("path", ENDPOINTS)
def test_two_apps_in_one_process_keep_their_own_base_urls(
    two_apps: tuple[TestClient, TestClient], path: str
) -> None:
    one, two = two_apps
    # Interleave the requests: whichever app answers first must not set the other's links.
    headers = {"Host": "siep-b.example.net:8443"}
    second = _text(two, path, headers)
    first = _text(one, path)
    again = _text(two, path, headers)
    assert "https://siep-a.example.org/geo/" in first
    assert "siep-b.example.net" not in first and "127.0.0.1:8000" not in first
    for text in (second, again):
        assert "http://siep-b.example.net:8443/" in text
        assert "siep-a.example.org" not in text and "127.0.0.1:8000" not in text


@pytest.mark.parametrize("path", ENDPOINTS)
def test_forwarded_headers_from_a_trusted_proxy_give_prefixed_links(
    two_apps: tuple[TestClient, TestClient], path: str
) -> None:
    _, two = two_apps
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "gis.example.gob.pe",
        "X-Forwarded-Prefix": "/siep",
    }
    text = _text(two, path, headers)
    assert "https://gis.example.gob.pe/siep/" in text
    assert "http://testserver" not in text


def test_forwarded_headers_from_an_untrusted_client_are_ignored(
    shipped_store_url: str, tmp_path: Path
) -> None:
    with _app(shipped_store_url, tmp_path) as client:  # trusts 127.0.0.1 only
        text = _text(client, "/ogc", {"X-Forwarded-Host": "evil.example.com"})
    assert "evil.example.com" not in text
    assert "http://testserver/ogc" in text


def test_a_real_server_advertises_its_own_port(shipped_server: ServerProcess) -> None:
    base = shipped_server.base_url
    assert not base.endswith(":8000")
    landing = httpx.get(f"{base}/ogc", params={"f": "json"}, timeout=60).json()
    assert all(link["href"].startswith(f"{base}/") for link in landing["links"][1:])
    wms = WebMapService(f"{base}/wms", version="1.3.0")
    get_map_url = wms.getOperationByName("GetMap").methods[0]["url"]
    assert get_map_url.startswith(f"{base}/wms")
    name = next(iter(n for n in wms.contents if "." in n))
    # OWSLib sends the GetMap to the URL the capabilities advertise.
    response = wms.getmap(
        layers=[name],
        styles=[""],
        srs="CRS:84",
        bbox=(-81.5, -18.5, -68.5, 0.1),
        size=(200, 260),
        format="image/png",
    )
    image = Image.open(io.BytesIO(response.read()))
    assert image.size == (200, 260)
    wfs = WebFeatureService(f"{base}/wfs", version="2.0.0")
    assert wfs.getOperationByName("GetFeature").methods[0]["url"].startswith(f"{base}/wfs")
