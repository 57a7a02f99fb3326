"""The one browser of a test session: Debian's Chromium driven by Playwright (sync API).

Chromium comes from Debian (/usr/bin/chromium), never from `playwright install`. When it is
missing and we are root, the fixture installs it with apt-get; otherwise the browser tests skip
loudly (or fail with SIEP_REQUIRE_BROWSER=1). Registered for the whole suite in
tests/conftest.py, so every test directory shares one Playwright session: two sync sessions
cannot run in one thread. While it runs, the main thread counts as inside an event loop, so a
test that needs `asyncio.run` runs it in another thread (`run_async` below).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

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


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own (safe while the Playwright session is open)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
