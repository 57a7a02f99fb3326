"""Scale-out check: two app processes behind one PostGIS and nginx on loopback; a dataset is
loaded while wrk keeps both busy. Passes when no request fails and both replicas converge on the
new data version (each polls the store's version, SIEP_CATALOG_POLL_S).

Run alone: python -m bench.scaleout [--duration S]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from app.settings import PROJECT_ROOT
from bench import ours
from bench.database import BenchDatabase, start_database
from bench.processes import Process, free_port, nginx_conf, spawn, wait_ready, which
from bench.scenarios import CHORO, ours_items
from bench.wrk import LoadResult, LoadSpec, run_wrk

NGINX_PROXY = """  upstream siep {{
    server 127.0.0.1:{port_a} max_fails=0;
    server 127.0.0.1:{port_b} max_fails=0;
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://siep;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_next_upstream off;
    }}
  }}
"""


@dataclass
class ScaleoutOutcome:
    load: LoadResult | None = None
    version_before: int = 0
    version_loaded: int = 0
    versions_after: dict[str, int] = field(default_factory=dict)
    converge_s: float | None = None
    error: str = ""

    @property
    def is_ok(self) -> bool:
        return (
            not self.error
            and self.load is not None
            and self.load.errors == 0
            and self.load.requests > 0
            and all(v == self.version_loaded for v in self.versions_after.values())
            and len(self.versions_after) == 2
        )

    def summary(self) -> str:
        if self.error:
            return f"error: {self.error}"
        load = self.load
        rate = (
            f"{load.rps:.0f} req/s, {load.requests} requests, {load.errors} errors"
            if load
            else "no load"
        )
        conv = f"{self.converge_s:.2f} s" if self.converge_s is not None else "never"
        return (
            f"{rate}; data version {self.version_before} -> {self.version_loaded}, replicas at "
            f"{sorted(self.versions_after.values())}, converged in {conv} after the load"
        )


def _tidy_csv(db: BenchDatabase) -> bytes:
    engine = create_engine(db.url)
    with engine.connect() as conn:
        code = conn.scalar(
            text("SELECT code FROM establishments WHERE kind = 'ep' ORDER BY code LIMIT 1")
        )
    engine.dispose()
    return (
        "indicator,place_type,place_code,period,value,source_document,source_table,source_locator\n"
        f"population,establishment,{code},2099-01,1234,bench,bench scale-out check,line 1\n"
    ).encode()


def _version(client: httpx.Client, base_url: str) -> int:
    return int(client.get(base_url + "/health").json()["data_version"])


def run_scaleout(
    db: BenchDatabase, folder: Path, duration_s: float, poll_s: float = 1.0
) -> ScaleoutOutcome:
    from app.store.ingest.datasets import DatasetMeta, load_dataset

    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for sub in ("tmp-body", "tmp-proxy", "tmp-fastcgi", "tmp-uwsgi", "tmp-scgi"):
        (folder / sub).mkdir(exist_ok=True)
    outcome = ScaleoutOutcome()
    replicas: list[Process] = []
    proxy: Process | None = None
    nginx = which("nginx")
    if nginx is None:
        outcome.error = "nginx is not installed"
        return outcome
    try:
        port = free_port()
        for name in ("replica-a", "replica-b"):
            replica = ours.start_on(
                db,
                folder,
                free_port(),
                name=name,
                extra={
                    "SIEP_CATALOG_POLL_S": str(poll_s),
                    "SIEP_PUBLIC_URL": f"http://127.0.0.1:{port}",
                },
            )
            replicas.append(replica)
        for replica in replicas:
            wait_ready(replica, "/health")
        conf = folder / "nginx.conf"
        conf.write_text(
            nginx_conf(
                folder,
                NGINX_PROXY.format(
                    port=port,
                    port_a=replicas[0].base_url.rsplit(":", 1)[1],
                    port_b=replicas[1].base_url.rsplit(":", 1)[1],
                ),
            )
        )
        proxy = spawn("nginx-scaleout", [nginx, "-c", str(conf), "-p", str(folder)], {}, folder)
        proxy.base_url = f"http://127.0.0.1:{port}"
        wait_ready(proxy, "/health", timeout_s=20)
        with httpx.Client(timeout=30) as client:
            outcome.version_before = _version(client, replicas[0].base_url)
        paths = [
            "/health",
            CHORO.format(level="departamento"),
            ours_items(),
            CHORO.format(level="provincia"),
        ]
        loaded: dict[str, LoadResult] = {}

        def load() -> None:
            spec = LoadSpec(duration_s=duration_s, max_requests=0)
            loaded["result"] = run_wrk(proxy.base_url, paths, spec)

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(duration_s / 3)
        engine = create_engine(db.url)
        try:
            result = load_dataset(
                engine,
                _tidy_csv(db),
                "bench_scaleout.csv",
                DatasetMeta(
                    name="bench_scaleout", title="bench scale-out check", loaded_by="bench"
                ),
                replace=True,
            )
        finally:
            engine.dispose()
        loaded_at = time.monotonic()
        outcome.version_loaded = result.data_version
        with httpx.Client(timeout=30) as client:
            deadline = loaded_at + max(30.0, duration_s)
            while time.monotonic() < deadline:
                versions = {r.name: _version(client, r.base_url) for r in replicas}
                if all(v == result.data_version for v in versions.values()):
                    outcome.converge_s = time.monotonic() - loaded_at
                    break
                time.sleep(0.05)
            worker.join()
            outcome.versions_after = {r.name: _version(client, r.base_url) for r in replicas}
        outcome.load = loaded.get("result")
    except Exception as exc:
        outcome.error = f"{exc.__class__.__name__}: {str(exc)[:300]}"
    finally:
        if proxy is not None:
            proxy.stop()
        for replica in replicas:
            replica.stop()
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout")
    parser.add_argument("--duration", type=float, default=12.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="siep-scaleout-"))
    db = start_database(PROJECT_ROOT / "geodata")
    try:
        outcome = run_scaleout(db, folder, args.duration)
    finally:
        db.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(("PASS " if outcome.is_ok else "MISS ") + outcome.summary())
    return 0 if outcome.is_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
