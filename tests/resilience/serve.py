"""Run `siep serve` (the real command, with its protocol bounds) on loopback for fault tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.store.engine import make_engine
from app.store.ingest.seed import seed
from app.store.marker import write_marker
from app.store.migrate import upgrade
from app.store.version import read_store_state
from tests.conftest import FIXTURE_DATA
from tests.support.server import free_port

TOKEN = "resilience-token-0123456789"


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_template: list[Path] = []


def seeded_var_dir(var_dir: Path) -> Path:
    """An embedded store holding the fixture data, marked as `siep serve` leaves it (so that
    a test server starts without seeding). Seeded once per process, then copied."""
    if not _template:
        template = Path(tempfile.mkdtemp(prefix="siep-seeded-")) / "var"
        template.mkdir()
        store = template / "siep.sqlite"
        engine = make_engine(f"sqlite:///{store}")
        upgrade(engine)
        seed(engine, FIXTURE_DATA, indicator_rows(CORE_REGISTRY))
        write_marker(store, read_store_state(engine).store_id)
        engine.dispose()
        _template.append(template)
    shutil.copytree(_template[0], var_dir, dirs_exist_ok=True)
    return var_dir


def serve_env(var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SIEP_VAR_DIR": str(var_dir),
        "SIEP_DATABASE_URL": "",
        "SIEP_DATA_DIR": str(FIXTURE_DATA),
        "SIEP_ADMIN_TOKEN": TOKEN,
        "SIEP_CATALOG_POLL_S": "0.2",
        **extra,
    }


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]


def start_serve(
    var_dir: Path, timeout_s: float = 240.0, log_dir: Path | None = None, **extra: str
) -> Serve:
    """Start `siep serve` and wait until /health answers (any status); its output goes to
    `log_dir` (default: beside `var_dir`)."""
    port = free_port()
    log_path = (log_dir or var_dir.parent) / f"serve-{port}.log"
    handle = log_path.open("wb")
    process = subprocess.Popen(
        serve_command(port),
        cwd=PROJECT_ROOT,
        env={**serve_env(var_dir, **extra), "SIEP_PUBLIC_URL": f"http://127.0.0.1:{port}"},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Serve(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"siep serve exited early:\n{server.log()}")
        try:
            httpx.get(f"{server.base_url}/health", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"siep serve did not answer within {timeout_s}s:\n{server.log()}")


def wait_for(check: object, timeout_s: float = 10.0) -> None:
    """Poll `check()` until it is true."""
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory (RSS) and proportional set size (PSS: shared pages divided among the
    processes sharing them) of a process and all its descendants (worker processes), in MB."""
    rss_kb = pss_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = {line.split(":")[0]: line.split()[1] for line in rollup.splitlines()[1:]}
        rss_kb += int(fields.get("Rss", 0))
        pss_kb += int(fields.get("Pss", 0))
    return rss_kb / 1024, pss_kb / 1024
