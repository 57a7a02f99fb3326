"""Run a real SIEP-Perú server process (uvicorn on 127.0.0.1) for client and replica tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(env: Mapping[str, str], log_dir: Path, timeout_s: float = 240.0) -> ServerProcess:
    """Start `uvicorn app.asgi:app` with SIEP_* variables from `env`; wait for /health."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    full_env = {"SIEP_VAR_DIR": str(log_dir / "var"), **os.environ, **env}
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{port}.log"
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--http",
            "h11",
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=full_env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = ServerProcess(process, base_url, log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not answer /health within {timeout_s}s:\n{server.log()}")


class SharedServers:
    """Servers over stores the tests only read, started on first use and stopped by `stop_all`
    (at the end of the session): one process per environment instead of one per module."""

    def __init__(self, folder: Callable[[], Path]) -> None:
        self._folder = folder
        self._servers: dict[tuple[tuple[str, str], ...], ServerProcess] = {}

    def get(self, env: Mapping[str, str]) -> ServerProcess:
        """The running server for `env` (SIEP_* variables; its var folder is its own)."""
        key = tuple(sorted(env.items()))
        server = self._servers.get(key)
        if server is None or server.process.poll() is not None:
            folder = self._folder()
            server = start_server({**env, "SIEP_VAR_DIR": str(folder / "var")}, folder / "logs")
            self._servers[key] = server
        return server

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
