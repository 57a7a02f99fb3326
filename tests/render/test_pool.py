"""The worker-process pool (app/render/pool.py): maps drawn in a worker equal those drawn in
process, a map's XML crosses the pipe once per worker, and a job beyond its time limit is
stopped with a clear ServerBusyError while its worker is replaced."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.errors import InvalidParameterError, ServerBusyError
from app.render.mapnik_render import MapData, View, draw, map_xml, prepared_maps
from app.render.pool import WorkerPool

SQUARE = {"type": "Polygon", "coordinates": [[[-80, -10], [-70, -10], [-70, -5], [-80, -10]]]}
DATA = MapData(key=("square",), kind="polygon", geometries=(SQUARE,), colors=("#ff0000",))
VIEW = View((-81.0, -18.0, -68.0, 0.0), 128, 128)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool("drawing maps", size=1, timeout_s=2, wait_s=2, map_cache_bytes=2**24)
    yield workers
    workers.close()


def _fail(message: str) -> None:
    raise InvalidParameterError(message)


def test_a_worker_draws_the_same_picture_and_gets_the_xml_once(pool: WorkerPool) -> None:
    xml = map_xml([DATA], 4326)
    sent: list[str] = []

    def xml_of() -> str:
        sent.append(xml)
        return xml

    first = pool.render_map(DATA.key, xml_of, VIEW, None)
    second = pool.render_map(DATA.key, xml_of, VIEW, None)
    assert first == second == draw(prepared_maps(2**24), None, xml, VIEW, None)
    assert len(sent) == 1
    assert pool.prepared_maps() == [(1, pytest.approx(3 * len(xml), abs=1024))]


def test_errors_raised_in_a_worker_reach_the_caller(pool: WorkerPool) -> None:
    with pytest.raises(InvalidParameterError, match="nope"):
        pool.call(_fail, "nope")
    assert pool.call(len, "four") == 4


def test_a_job_beyond_the_time_limit_is_stopped_and_its_worker_replaced(
    pool: WorkerPool,
) -> None:
    pool.call(len, "")
    [first_pid] = pool.worker_pids()
    started = time.monotonic()
    with pytest.raises(ServerBusyError, match="drawing maps took longer than 2 s"):
        pool.call(time.sleep, 30)
    assert time.monotonic() - started < 5
    assert pool.call(len, "after") == 5
    assert pool.worker_pids() != [first_pid]
    assert pool.timeouts == 1


def test_an_answer_that_comes_after_the_limit_is_refused() -> None:
    """`poll` waits at least 1 ms: a job done within it, but after a 1 µs limit, is over it."""
    pool = WorkerPool("drawing maps", size=1, timeout_s=1e-6, wait_s=10)
    try:
        for _ in range(5):
            with pytest.raises(ServerBusyError, match="took longer than 1e-06 s"):
                pool.call(len, "")
        assert pool.timeouts == 5
    finally:
        pool.close()


def test_a_caller_waits_for_a_free_worker_then_gets_busy() -> None:
    pool = WorkerPool("building reports", size=1, timeout_s=10, wait_s=0.3)
    try:
        worker = pool._acquire(None)  # a report is being built
        with pytest.raises(ServerBusyError, match="busy building reports"):
            pool.call(len, "")
        pool._release(worker)
        assert pool.call(len, "") == 0
    finally:
        pool.close()
