"""A real nginx in front of the server under a path prefix (deploy/nginx-prefix.conf, as
documented): every link of the OGC API landing page and collections (JSON and HTML), the WMS
and WFS capabilities, TileJSON and the viewer's page points through the proxy and answers.

nginx (Debian's nginx-light) is installed with apt-get when missing and we are root, as the
browser tests do for Chromium; otherwise the test skips.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.support.server import ServerProcess, free_port, start_server

PREFIX = "/siep"
SEEDS = (
    "/ogc?f=json",
    "/ogc/collections?f=json",
    "/ogc?f=html",
    "/ogc/collections/departamentos?f=html",
    "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
    "/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities",
    "/wfs?SERVICE=WFS&REQUEST=GetCapabilities",
    "/ogc/collections/provincias/tiles/WebMercatorQuad/tilejson.json",
    "/ogc/collections/provincias/map/tiles/WebMercatorQuad/tilejson.json",
    "/",
)
XML_LINK = re.compile(r'(?:xlink:href|next|previous)="([^"]+)"')
HTML_LINK = re.compile(r'(?:href|src)="([^"#][^"]*)"')


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "nginx-light"], env=env, capture_output=True, check=False
        )
        found = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if found is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return found


@pytest.fixture(scope="module")
def upstream(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("proxied")
    env = {
        "SIEP_DATABASE_URL": shipped_store_url,
        "SIEP_VAR_DIR": str(folder / "var"),
        "SIEP_FORWARDED_ALLOW_IPS": '["127.0.0.1"]',
        "SIEP_PUBLIC_URL": "",
    }
    process = start_server(env, folder / "logs")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def proxy(upstream: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = _nginx()
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = (PROJECT_ROOT / "deploy" / "nginx-prefix.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("http://127.0.0.1:8000/", f"{upstream.base_url}/")
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; worker_processes 1; pid {folder / 'nginx.pid'};\n"
        + f"error_log {folder / 'error.log'};\n"
        + "events { worker_connections 256; }\n"
        + f"http {{ access_log off; {temp} uwsgi_temp_path {folder / 'uwsgi'}; "
        + f"scgi_temp_path {folder / 'scgi'};\n{site}\n}}\n"
    )
    process = subprocess.Popen([binary, "-p", str(folder), "-c", str(conf)])
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start: {(folder / 'error.log').read_text()}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def _json_links(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "href" and isinstance(value, str):
                yield value
            elif key == "tiles" and isinstance(value, list):
                yield from (t for t in value if isinstance(t, str))
            else:
                yield from _json_links(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _json_links(item)


def _links(response: httpx.Response) -> list[str]:
    kind = response.headers["content-type"]
    if "json" in kind:
        found = list(_json_links(response.json()))
    elif "xml" in kind:
        found = [unescape(h) for h in XML_LINK.findall(response.text)]
    else:
        found = [unescape(h) for h in HTML_LINK.findall(response.text)]
    return [urljoin(str(response.url), link) for link in found]


def _followable(link: str) -> str:
    """Tile templates at their first tile; bare operation URLs asked for capabilities."""
    link = link.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    for service in ("wms", "wfs"):
        if link.endswith((f"/{service}", f"/{service}?")):
            return f"{link.rstrip('?')}?SERVICE={service.upper()}&REQUEST=GetCapabilities"
    return link


def test_every_link_resolves_through_the_proxy(proxy: str, upstream: ServerProcess) -> None:
    base = f"{proxy}{PREFIX}"
    upstream_port = urlsplit(upstream.base_url).port
    ours: set[str] = set()
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        for seed in SEEDS:
            response = client.get(f"{base}{seed}")
            assert response.status_code == 200, (seed, response.text[:300])
            for link in _links(response):
                parts = urlsplit(link)
                if parts.hostname not in ("127.0.0.1", "localhost"):
                    continue  # schemas, specifications, licences
                assert parts.port != upstream_port, f"{seed} leaks the upstream: {link}"
                assert link == base or link.startswith(f"{base}/"), f"{seed}: {link}"
                if "{" not in link:
                    ours.add(_followable(link))
        assert len(ours) > 50
        failed = []
        for link in sorted(ours):
            response = client.get(link)
            if response.status_code not in (200, 204):
                failed.append((link, response.status_code, response.text[:200]))
        assert not failed, failed
    print(f"{len(ours)} links followed through nginx")
