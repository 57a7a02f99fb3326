"""Browser fixtures: Debian Chromium driven by Playwright, against a real server process.

Chromium comes from Debian (/usr/bin/chromium), never from `playwright install`. When it is
missing and we are root, the fixture installs it with apt-get; otherwise the browser tests skip
loudly (or fail with SIEP_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.settings import PROJECT_ROOT
from tests.support.server import ServerProcess, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "viewer"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("SIEP_REQUIRE_BROWSER") == "1":
        pytest.exit(f"SIEP_REQUIRE_BROWSER=1 but the browser is unavailable: {reason}", 3)
    message = f"\n*** BROWSER UNAVAILABLE: viewer tests will be SKIPPED ({reason}) ***\n"
    sys.stderr.write(message)
    warnings.warn(message, stacklevel=2)
    pytest.skip(reason)


def _install_chromium() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "chromium"], check=True, env=env, capture_output=True
    )


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, installed with apt-get when missing and we are root."""
    if not CHROMIUM.exists():
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            try:
                _install_chromium()
            except subprocess.CalledProcessError as exc:
                _unavailable(f"apt-get install chromium failed: {exc.stderr!r}")
        if not CHROMIUM.exists():
            _unavailable(f"{CHROMIUM} is missing (install Debian's chromium package)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is not installed (pip install -e .[test])")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def viewer_server(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A real uvicorn process over the shipped dataset (OSM tiles off, as by default)."""
    var_dir = tmp_path_factory.mktemp("viewer-var")
    env = {
        "SIEP_DATABASE_URL": shipped_store_url,
        "SIEP_VAR_DIR": str(var_dir),
        "SIEP_SEED_ON_START": "false",
        "SIEP_VIEWER_OSM_TILES": "false",
    }
    server = start_server(env, var_dir / "logs")
    yield server
    server.stop()


@dataclass
class PageWatch:
    """What a page did that a test may want to assert on."""

    origin: str
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.external_requests, f"requests left the origin: {self.external_requests}"
        assert not self.page_errors, f"uncaught errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


def open_page(browser: Any, base_url: str, viewport: dict[str, int], **context_kw: Any) -> Any:
    """A new page whose requests outside `base_url` are blocked and recorded (no CDN, no net)."""
    context = browser.new_context(viewport=viewport, accept_downloads=True, **context_kw)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    watch = PageWatch(origin)

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(origin) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            watch.external_requests.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.watch = watch
    return page


@pytest.fixture
def desktop_page(browser: Any, viewer_server: ServerProcess) -> Iterator[Any]:
    page = open_page(browser, viewer_server.base_url, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser: Any, viewer_server: ServerProcess) -> Iterator[Any]:
    page = open_page(
        browser,
        viewer_server.base_url,
        PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
