"""Viewer fixtures: pages of Debian's Chromium (tests/support/browser.py) against a real
server process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.settings import PROJECT_ROOT
from tests.support.server import ServerProcess

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "viewer"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def viewer_server(shipped_server: ServerProcess) -> ServerProcess:
    """A real uvicorn process over the shipped dataset (OSM tiles off, as by default): the
    session's shared `shipped_server` (tests/conftest.py); the viewer only reads."""
    return shipped_server


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
