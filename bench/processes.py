"""Child processes of a benchmark run (uvicorn apps, nginx, spawn-fcgi): start, wait, measure, stop.

Every server binds 127.0.0.1 on a free port; every process started here is stopped here, by its
own pid.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT

DEBIAN_PACKAGES = {
    "wrk": "wrk",
    "nginx": "nginx-light",
    "mapserv": "cgi-mapserver",
    "map2img": "mapserver-bin",  # MapServer 8 renamed shp2img
    "spawn-fcgi": "spawn-fcgi",
}
_SBIN = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def which(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SBIN:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def ensure_debian_packages() -> list[str]:
    """apt-get install the tools the bench needs when missing (root only); names still missing."""
    missing = {pkg for tool, pkg in DEBIAN_PACKAGES.items() if which(tool) is None}
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *sorted(missing)],
            check=False,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return sorted({pkg for tool, pkg in DEBIAN_PACKAGES.items() if which(tool) is None})


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""
    started_s: float = field(default_factory=time.monotonic)
    ready_s: float | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_mb(self) -> float | None:
        """Resident memory of the process (and its children, e.g. a uvicorn reloader) in MB."""
        total_kb = 0
        for pid in [self.pid, *_children(self.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
            except OSError:
                continue
        return total_kb / 1024 if total_kb else None

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def spawn(
    name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path, cwd: Path = PROJECT_ROOT
) -> Process:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    handle = log_path.open("ab")
    popen = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    return Process(name, popen, log_path)


def start_uvicorn(
    name: str, app: str, env: Mapping[str, str], log_dir: Path, port: int | None = None
) -> Process:
    """One uvicorn worker, same options for every Python server (httptools, uvloop, no access log)."""
    port = port or free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = spawn(name, argv, env, log_dir)
    process.base_url = f"http://127.0.0.1:{port}"
    return process


def wait_ready(process: Process, path: str, timeout_s: float = 90.0) -> float:
    """Poll `path` until HTTP 200; seconds from process start to that first answer."""
    deadline = time.monotonic() + timeout_s
    url = process.base_url + path
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited early:\n{process.log_tail()}")
            try:
                if client.get(url).status_code == 200:
                    process.ready_s = time.monotonic() - process.started_s
                    return process.ready_s
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    process.stop()
    raise RuntimeError(
        f"{process.name} did not answer {path} in {timeout_s}s:\n{process.log_tail()}"
    )


def wait_socket(path: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"socket {path} did not appear")
        time.sleep(0.05)


def nginx_conf(folder: Path, http_body: str) -> str:
    """A foreground, single-worker nginx configuration whose files all live in `folder`."""
    return f"""worker_processes 1;
daemon off;
error_log {folder}/nginx-error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/tmp-body;
  fastcgi_temp_path {folder}/tmp-fastcgi;
  proxy_temp_path {folder}/tmp-proxy;
  uwsgi_temp_path {folder}/tmp-uwsgi;
  scgi_temp_path {folder}/tmp-scgi;
{http_body}}}
"""
