"""Report files built once per data version and URL: served again with the same headers,
concurrent identical requests share one build, memory bounded in bytes, a new version starts
afresh (app/api/report_cache.py, app/bounded_cache.py SingleFlight)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.report_cache import ReportCache, ReportFile
from app.bounded_cache import SingleFlight
from app.main import create_app
from app.render.pool import WorkerPool
from app.settings import Settings
from tests.conftest import fixture_sqlite_store
from tests.resilience.serve import wait_for

URL = "/api/v1/choropleth?indicator=population&level=departamento&classes=4&f="
KEPT_HEADERS = ("etag", "cache-control", "vary", "content-disposition", "content-type")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("reportcache")
    settings = Settings(
        database_url=fixture_sqlite_store(folder),
        var_dir=folder / "var",
        seed_on_start=False,
        response_cache_mb=0,  # every request reaches the handler
    )
    application = create_app(settings)
    with TestClient(application):
        yield application


def test_a_report_is_built_once_and_served_again_with_the_same_headers(app: FastAPI) -> None:
    client = TestClient(app)
    cache: ReportCache = app.state.report_cache
    for fmt in ("pdf", "xlsx", "png"):
        builds = cache.builds
        first = client.get(URL + fmt)
        second = client.get(URL + fmt)
        assert first.status_code == second.status_code == 200
        assert cache.builds == builds + 1, fmt
        assert second.content == first.content
        assert [second.headers[h] for h in KEPT_HEADERS] == [first.headers[h] for h in KEPT_HEADERS]
    # the file quotes the URL asked, so another spelling of the query is another file
    builds = cache.builds
    assert client.get(URL.replace("classes=4&", "") + "pdf&classes=4").status_code == 200
    assert cache.builds == builds + 1


def test_revalidation_and_bad_parameters_of_a_kept_report(app: FastAPI) -> None:
    client = TestClient(app)
    etag = client.get(URL + "docx").headers["etag"]
    builds = app.state.report_cache.builds
    assert client.get(URL + "docx", headers={"If-None-Match": etag}).status_code == 304
    bad = URL.replace("classes=4", "classes=40") + "docx"
    assert client.get(bad, headers={"If-None-Match": etag}).status_code == 400
    assert client.get(bad).status_code == 400
    assert app.state.report_cache.builds == builds


def test_concurrent_identical_requests_share_one_build(app: FastAPI) -> None:
    client = TestClient(app)
    cache: ReportCache = app.state.report_cache
    builds, shared = cache.builds, cache.shared
    url = URL.replace("classes=4", "classes=6") + "pdf"
    original = app.state.report_pool
    # one worker, busy for 2 s: the first request's build waits, the others arrive meanwhile
    app.state.report_pool = WorkerPool("building reports", size=1, timeout_s=60, wait_s=30)
    busy = threading.Thread(target=app.state.report_pool.call, args=(time.sleep, 2))
    try:
        busy.start()
        wait_for(lambda: app.state.report_pool.worker_pids() != [])
        with ThreadPoolExecutor(6) as threads:
            answers = list(threads.map(lambda _: client.get(url), range(6)))
        busy.join()
    finally:
        app.state.report_pool.close()
        app.state.report_pool = original
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.content for a in answers}) == 1
    assert cache.builds == builds + 1
    assert cache.shared > shared  # they waited for the build in flight (not only later hits)


def test_single_flight_shares_the_value_and_the_error() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    calls: list[int] = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return 7

    def failing() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        raise ValueError("no")

    with ThreadPoolExecutor(4) as threads:
        first = threads.submit(flights.run, "a", slow)
        started.wait()
        others = [threads.submit(flights.run, "a", slow) for _ in range(3)]
        assert first.result() == 7 and [o.result() for o in others] == [7, 7, 7]
    assert len(calls) == 1 and flights.shared == 3
    started.clear()
    with ThreadPoolExecutor(2) as threads:
        first = threads.submit(flights.run, "a", failing)
        started.wait()
        other = threads.submit(flights.run, "a", failing)
        for future in (first, other):
            with pytest.raises(ValueError, match="no"):
                future.result()
    assert len(calls) == 2
    assert flights.run("a", lambda: 8) == 8  # nothing kept once a flight is over


def test_cache_is_bounded_in_bytes_and_emptied_by_a_new_version(tmp_path: Path) -> None:
    cache = ReportCache(max_bytes=80_000)
    file = ReportFile("siep_x", b"x" * 9_000)  # ~1/8 of the cache: kept
    for i in range(30):
        cache.get_or_build(1, f"http://h/r?{i}", lambda: file)
    assert cache.size_bytes <= 80_000 and 5 <= len(cache) <= 8
    big = ReportFile("siep_x", b"x" * 11_000)  # over 1/8: served, not kept
    assert cache.get_or_build(1, "http://h/big", lambda: big) is big
    assert cache.get(1, "http://h/big") is None
    assert cache.get(1, "http://h/r?29") is file
    assert cache.get(2, "http://h/r?29") is None and len(cache) == 0
    assert ReportCache(0).get_or_build(1, "u", lambda: file) is file


def test_a_report_is_kept_by_the_response_cache_on_its_first_ask(tmp_path: Path) -> None:
    settings = Settings(
        database_url=fixture_sqlite_store(tmp_path),
        var_dir=tmp_path / "var",
        seed_on_start=False,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        responses = app.state.response_cache
        first = client.get(URL + "xlsx")
        hits = responses.hits
        second = client.get(URL + "xlsx")
        assert responses.hits == hits + 1  # answered before routing: no thread, no handler
        assert second.content == first.content
        assert [second.headers[h] for h in KEPT_HEADERS] == [first.headers[h] for h in KEPT_HEADERS]
        json_url = URL.removesuffix("&f=")
        client.get(json_url)
        hits = responses.hits
        client.get(json_url)
        assert responses.hits == hits  # other answers are still kept on their second ask
