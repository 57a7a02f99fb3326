"""A bounded pool of worker processes for CPU-heavy work: Mapnik renders and report builds.

The mapnik wheel never releases the GIL, and reportlab, openpyxl and python-docx are pure
Python: run in a thread of the server, they starve the event loop and every light request
(issue 13). Here a job runs in a worker process while the calling thread waits on a pipe
(without the GIL). A job still running after `timeout_s` gets its worker killed and replaced,
and the caller a ServerBusyError (HTTP 503 with Retry-After; an OGC exception on /wms); so does a
job whose answer came after `timeout_s` (its worker is kept).

Workers are forked from a forkserver (a clean process with Mapnik imported once, no inherited
threads or locks) and started on first use. They hold no catalog:
every job carries its data (a map's XML, a report's table), built from the request's own
snapshot, so a worker always draws the data version the request saw. Each worker keeps
prepared Mapnik maps by key in a ByteLru; the pool mirrors that cache (same policy, same
operations in the same order), sends a map's XML only to a worker that lacks it and prefers an
idle worker that has it.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Hashable
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle

from app.bounded_cache import ByteLru
from app.errors import ServerBusyError
from app.render import mapnik_render
from app.render.mapnik_render import View

log = logging.getLogger(__name__)
# Imported once by the forkserver (shared by every worker); report writers are imported by
# the report workers when a job needs them (a first map waits for Mapnik only). The server
# itself imports Mapnik only on a render without a pool; mapnik_render sets PROJ_DATA first.
PRELOAD = ("app.render.mapnik_render", "mapnik")
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(list(PRELOAD))

STARTUP_TIMEOUT_S = 60


def _serve(conn: Connection, map_cache_bytes: int, niceness: int) -> None:
    """A worker's loop: answer each job with ('ok', result), ('missing',) or ('error', exc)."""
    if niceness:
        os.nice(niceness)
    maps = mapnik_render.prepared_maps(map_cache_bytes)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            if job[0] == "map":
                _, key, xml, view, colors = job
                reply: tuple[Any, ...] = ("ok", mapnik_render.draw(maps, key, xml, view, colors))
            else:
                function, args = pickle.loads(job[1])
                reply = ("ok", function(*args))
        except mapnik_render.MissingMapError:
            reply = ("missing",)
        except Exception as exc:  # sent back and raised in the caller's thread
            reply = ("error", _picklable(exc))
        conn.send(reply)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc


class _Worker:
    def __init__(self, map_cache_bytes: int, niceness: int) -> None:
        self.conn, child = _context.Pipe()
        self.process = _context.Process(
            target=_serve, args=(child, map_cache_bytes, niceness), daemon=True
        )
        self.process.start()
        child.close()
        # A job's time limit starts once the worker is up (a fresh forkserver imports Mapnik).
        if not self.conn.poll(STARTUP_TIMEOUT_S):
            self.stop()
            raise ServerBusyError(f"a worker did not start within {STARTUP_TIMEOUT_S} s; retry")
        self.conn.recv()
        # What the worker's cache holds, kept by the same policy.
        self.maps: ByteLru[Hashable, bool] = mapnik_render.prepared_maps(map_cache_bytes)

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """`size` worker processes; a caller waits `wait_s` for an idle one (then ServerBusyError),
    and a job may run `timeout_s` (then its worker is killed and replaced, ServerBusyError)."""

    def __init__(
        self,
        what: str,
        size: int,
        timeout_s: float,
        wait_s: float,
        map_cache_bytes: int = 0,
        niceness: int = 0,
    ) -> None:
        self.what = what
        self.size = size
        self.timeout_s = timeout_s
        self.wait_s = wait_s
        self.map_cache_bytes = map_cache_bytes
        self.niceness = niceness
        self._idle: list[_Worker | None] = [None] * size  # None: not started yet
        self._busy: set[_Worker] = set()
        self._cond = threading.Condition()
        self._closed = False
        self.timeouts = 0

    def render_map(
        self, key: Hashable | None, xml_of: Callable[[], str], view: View, colors: Any
    ) -> bytes:
        """Draw a map in a worker: `key` names a prepared map (None: one-off, not kept)."""
        worker = self._acquire(key)
        try:
            known = key is not None and worker.maps.get(key) is True
            xml = None if known else xml_of()
            reply = self._ask(worker, ("map", key, xml, view, colors))
            if reply[0] == "missing":  # the mirror was wrong (a failed build): send the XML
                xml = xml_of()
                reply = self._ask(worker, ("map", key, xml, view, colors))
            if key is not None and xml is not None:
                worker.maps.put(key, True, mapnik_render.map_size_bytes(xml))
        finally:
            self._release(worker)
        image: bytes = _result(reply)
        return image

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a worker (both pickled with cloudpickle, closures included)."""
        payload = cloudpickle.dumps((function, args))
        worker = self._acquire(None)
        try:
            reply = self._ask(worker, ("call", payload))
        finally:
            self._release(worker)
        return _result(reply)

    def _acquire(self, key: Hashable | None) -> _Worker:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._idle) or self._closed, self.wait_s):
                raise ServerBusyError(
                    f"the server is busy {self.what} for other requests; retry in a few "
                    f"seconds (waited {self.wait_s:g} s)"
                )
            if self._closed:
                raise ServerBusyError("the server is shutting down")
            worker = self._idle.pop(self._choose(key))
        if worker is None:  # started outside the lock: other callers keep being served
            try:
                worker = _Worker(self.map_cache_bytes, self.niceness)
            except BaseException:
                with self._cond:
                    self._idle.append(None)
                    self._cond.notify()
                raise
        with self._cond:
            self._busy.add(worker)
        return worker

    def _choose(self, key: Hashable | None) -> int:
        """An idle worker that holds `key`, else a started one, else one to start."""
        started = [i for i, w in enumerate(self._idle) if w is not None]
        holding = [i for i in started if key is not None and key in self._idle[i].maps]  # type: ignore[union-attr]
        return (holding or started or [0])[0]

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            self._busy.discard(worker)
            replacement = worker if worker.process.is_alive() else None
            if self._closed:
                worker.stop()
                return
            self._idle.append(replacement)
            self._cond.notify()

    def _ask(self, worker: _Worker, job: tuple[Any, ...]) -> tuple[Any, ...]:
        started = time.monotonic()
        try:
            worker.conn.send(job)
            reply: tuple[Any, ...] | None = None
            if worker.conn.poll(self.timeout_s):
                reply = worker.conn.recv()
        except (EOFError, OSError):
            log.error(
                "a worker %s stopped unexpectedly (exit code %s)",
                self.what,
                worker.process.exitcode,
            )
            worker.stop()
            raise ServerBusyError(f"the worker {self.what} stopped unexpectedly; retry") from None
        # poll() waits at least 1 ms and its thread may wake late: a reply found there can
        # still have come after the limit, and is refused like any job over its limit.
        if reply is not None and time.monotonic() - started <= self.timeout_s:
            return reply
        if reply is None:  # still working: stopped, and replaced on the next job
            worker.stop()
        self.timeouts += 1
        log.warning("a job %s went past its limit of %g s", self.what, self.timeout_s)
        raise ServerBusyError(
            f"{self.what} took longer than {self.timeout_s:g} s and was stopped; try a smaller "
            "request or retry later"
        )

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for worker in self._idle:
                if worker is not None:
                    worker.stop()
            self._idle.clear()
            self._cond.notify_all()

    def prepared_maps(self) -> list[tuple[int, int]]:
        """(maps, bytes) held by each started worker, from the pool's mirror of its cache."""
        with self._cond:
            workers = [w for w in self._idle if w is not None] + list(self._busy)
            return [(len(w.maps), w.maps.size_bytes) for w in workers]

    def worker_pids(self) -> list[int]:
        with self._cond:
            workers = [w for w in self._idle if w is not None] + list(self._busy)
            return [w.process.pid for w in workers if w.process.pid is not None]


def _result(reply: tuple[Any, ...]) -> Any:
    if reply[0] == "error":
        raise reply[1]
    return reply[1]


_pools: dict[tuple[Any, ...], WorkerPool] = {}
_pools_lock = threading.Lock()


def shared_pool(
    what: str, size: int, timeout_s: float, wait_s: float, **options: Any
) -> WorkerPool:
    """One pool per configuration and process (apps built in one process share it; its
    workers start on first use and stop when the process exits)."""
    config = (what, size, timeout_s, wait_s, tuple(sorted(options.items())))
    with _pools_lock:
        pool = _pools.get(config)
        if pool is None:
            pool = _pools[config] = WorkerPool(what, size, timeout_s, wait_s, **options)
        return pool


@atexit.register
def _close_all() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
