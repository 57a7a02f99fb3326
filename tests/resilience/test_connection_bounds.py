"""Connection-level bounds of `siep serve` on loopback (issue 13): a slow-header client is cut
at the header deadline, a connection flood is refused cleanly beyond the cap, an oversized
head gets 431, and /health keeps answering within 1 s throughout. Bounded in count and time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.resilience.serve import Serve, seeded_var_dir, start_serve

HEADER_TIMEOUT_S = 2.0
MAX_CONNECTIONS = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    var_dir = seeded_var_dir(tmp_path_factory.mktemp("bounds") / "var")
    running = start_serve(
        var_dir,
        SIEP_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
        SIEP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    yield running
    running.stop()


def _address(server: Serve) -> tuple[str, int]:
    host, port = server.base_url.removeprefix("http://").split(":")
    return host, int(port)


def _health_s(server: Serve) -> tuple[int, float]:
    """Status and seconds of one /health on a new connection."""
    started = time.perf_counter()
    with httpx.Client(timeout=5) as client:
        status = client.get(f"{server.base_url}/health").status_code
    return status, time.perf_counter() - started


def _read_all(sock: socket.socket, timeout_s: float) -> bytes:
    sock.settimeout(timeout_s)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def test_slow_header_clients_are_cut_and_health_stays_fast(server: Serve) -> None:
    slow = []
    for _ in range(10):
        sock = socket.create_connection(_address(server))
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow.append(sock)
    started = time.monotonic()
    latencies = []
    while time.monotonic() - started < HEADER_TIMEOUT_S - 0.5:
        for sock in slow:
            sock.sendall(b"a")  # one byte at a time, never the end of the headers
        status, seconds = _health_s(server)
        assert status == 200
        latencies.append(seconds)
        time.sleep(0.2)
    assert max(latencies) < 1.0, latencies
    answers = [_read_all(sock, HEADER_TIMEOUT_S + 3) for sock in slow]
    elapsed = time.monotonic() - started
    for sock in slow:
        sock.close()
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
    assert elapsed < HEADER_TIMEOUT_S + 4


def test_connection_flood_is_refused_cleanly_and_health_recovers(server: Serve) -> None:
    flood = [socket.create_connection(_address(server)) for _ in range(MAX_CONNECTIONS + 60)]
    try:
        status, seconds = _health_s(server)
        assert seconds < 1.0  # answered at once: 200, or 503 while the cap is reached
        assert status in (200, 503)
        refused = [_read_all(sock, 0.5) for sock in flood[-20:]]
        assert all(r.startswith(b"HTTP/1.1 503") for r in refused), refused[:2]
        time.sleep(HEADER_TIMEOUT_S + 1)  # idle connections reach the header deadline
        status, seconds = _health_s(server)
        assert (status, seconds < 1.0) == (200, True)
    finally:
        for sock in flood:
            sock.close()


@pytest.mark.parametrize("size", [40_000, 2_000_000])
def test_oversized_header_gets_431(server: Serve, size: int) -> None:
    with socket.create_connection(_address(server)) as sock:
        head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * size + b"\r\n\r\n"
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading it all; its answer is already sent
        answer = _read_all(sock, 5)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert _health_s(server)[0] == 200


def test_long_url_gets_414(server: Serve) -> None:
    response = httpx.get(f"{server.base_url}/api/v1/indicators?x={'a' * 9000}", timeout=5)
    assert response.status_code == 414
