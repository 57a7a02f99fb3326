"""Load-to-visible on two replicas (issue 11): two `siep serve` processes on one embedded store
(each polling the store's data version, sharing the snapshot folder beside it), then a file of
SYNTHETIC monthly rows loaded with `siep load`; measured: the load command, then the time from
its end (the load is committed) until each replica answers the new data version and a
choropleth of the newest loaded month.

The store is one built by `python -m bench.scale --observations N --keep FOLDER`; the rows are
the months after its last one (bench/scale.py's generator, marked SYNTHETIC), loaded as the
dataset `bench_replicas` (replaced on the next run, so the store does not grow run after run).

Run: python -m bench.replicas --store FOLDER [--rows 10000] [--poll 0.5]
     python -m bench.replicas --store FOLDER --cold-starts 3   (one server: wall and CPU time
     from process start to /health and to a first choropleth, from the persisted snapshot)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
from sqlalchemy import create_engine, text

from bench.processes import Process, free_port, start_uvicorn, wait_ready
from bench.scale import SYNTHETIC, synthetic_rows

DATASET = "bench_replicas"
MONTH = re.compile(r"\d{4}-\d{2}")
TARGET_S = 5.0


@dataclass(frozen=True)
class Visible:
    replica: str
    version_s: float  # load committed -> /health says the new data version
    figure_s: float  # load committed -> a choropleth of the newest loaded month answers


def next_months(last: str, count: int) -> list[str]:
    year, month = (int(p) for p in last.split("-"))
    months = []
    for _ in range(count):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append(f"{year:04d}-{month:02d}")
    return months


def monthly_file(url: str, rows: int, path: Path) -> str:
    """Write `rows` SYNTHETIC rows of the months after the store's last one; the last month."""
    engine = create_engine(url)
    with engine.connect() as conn:
        establishments = [
            str(c)
            for c in conn.scalars(
                text("SELECT code FROM establishments WHERE code LIKE 'EP-%' ORDER BY code")
            )
        ]
        periods = conn.scalars(
            text(
                "SELECT DISTINCT o.period FROM observations o JOIN datasets d "
                "ON d.id = o.dataset_id WHERE d.name <> :name"
            ),
            {"name": DATASET},
        )
        last = max(str(p) for p in periods if MONTH.fullmatch(str(p)))
    engine.dispose()
    frames, total = [], 0
    for frame in synthetic_rows(establishments, next_months(last, 120), seed=97):
        frames.append(frame.iloc[: rows - total])
        total += len(frames[-1])
        if total >= rows:
            break
    data = pd.concat(frames, ignore_index=True)
    data.to_csv(path, index=False)
    return str(data["period"].iloc[-1])


def cpu_s(process: Process) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_children_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def siep_load(url: str, path: Path) -> tuple[float, float, int]:
    """`siep load` of the file (replacing the bench dataset): wall s, CPU s, new version."""
    started, cpu = time.monotonic(), _cpu_children_s()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "load",
            str(path),
            "--name",
            DATASET,
            "--replace",
            "--title",
            f"{SYNTHETIC}: load-to-visible check",
            "--source-document",
            SYNTHETIC,
        ],
        env={**os.environ, "SIEP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"siep load failed:\n{result.stdout}\n{result.stderr}")
    engine = create_engine(url)
    with engine.connect() as conn:
        version = int(conn.scalar(text("SELECT version FROM data_version WHERE id = 1")) or 0)
    engine.dispose()
    return time.monotonic() - started, _cpu_children_s() - cpu, version


def wait_visible(
    replicas: list[Process], version: int, month: str, since: float, timeout_s: float
) -> list[Visible]:
    """Poll each replica until it serves `version` and a choropleth of `month`."""
    found: list[Visible] = []
    choropleth = f"/api/v1/choropleth?indicator=population&level=departamento&period={month}"
    with httpx.Client(timeout=60) as client:
        for replica in replicas:
            version_s = None
            while time.monotonic() - since < timeout_s:
                seen = client.get(replica.base_url + "/health").json()["data_version"]
                if seen == version:
                    version_s = time.monotonic() - since
                    break
                time.sleep(0.05)
            if version_s is None:
                raise RuntimeError(f"{replica.name} still not at v{version} after {timeout_s} s")
            answer = client.get(replica.base_url + choropleth)
            if answer.status_code != 200:
                raise RuntimeError(f"{replica.name}: {answer.status_code} {answer.text[:300]}")
            found.append(Visible(replica.name, version_s, time.monotonic() - since))
    return found


def run(store: Path, rows: int, poll_s: float, timeout_s: float) -> None:
    url = f"sqlite:///{store / 'siep.sqlite'}"
    env = {
        "SIEP_DATABASE_URL": url,
        "SIEP_SEED_ON_START": "false",
        "SIEP_CATALOG_POLL_S": str(poll_s),
    }
    replicas: list[Process] = []
    try:
        for name in ("replica-a", "replica-b"):
            port = free_port()
            extra = {"SIEP_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            replicas.append(start_uvicorn(name, "app.asgi:app", {**env, **extra}, store, port))
        for replica in replicas:
            started = wait_ready(replica, "/health", timeout_s=900)
            print(
                f"{replica.name}: /health answered {started:.1f} s after start "
                f"({cpu_s(replica):.1f} s CPU), RSS {replica.rss_mb() or 0:.0f} MB"
            )
        cpu_before = [cpu_s(r) for r in replicas]
        path = store / "bench_replicas.csv"
        month = monthly_file(url, rows, path)
        load_s, load_cpu_s, version = siep_load(url, path)
        committed = time.monotonic()
        path.unlink()
        print(f"siep load: {rows:,} rows up to {month} in {load_s:.1f} s ({load_cpu_s:.1f} s CPU)")
        seen = wait_visible(replicas, version, month, committed, timeout_s)
        print("| replica | new version visible s | new month's choropleth s | CPU s | RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for item, replica, cpu in zip(seen, replicas, cpu_before, strict=True):
            print(
                f"| {item.replica} | {item.version_s:.2f} | {item.figure_s:.2f} | "
                f"{cpu_s(replica) - cpu:.1f} | {replica.rss_mb() or 0:.0f} |"
            )
        worst = max(v.figure_s for v in seen)
        print(f"{'MET' if worst <= TARGET_S else 'NOT MET'}: both replicas in {worst:.2f} s")
    finally:
        for replica in replicas:
            replica.stop()


def cold_starts(store: Path, starts: int) -> None:
    """Start one server `starts` times on the store (its snapshot persisted): wall and CPU
    time to the first /health answer and to the first choropleth of the latest month."""
    url = f"sqlite:///{store / 'siep.sqlite'}"
    env = {"SIEP_DATABASE_URL": url, "SIEP_SEED_ON_START": "false"}
    print("| start | /health s (CPU s) | first choropleth s (CPU s) | RSS MB |")
    print("|---|---:|---:|---:|")
    for number in range(1, starts + 1):
        port = free_port()
        extra = {"SIEP_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        server = start_uvicorn("cold-start", "app.asgi:app", {**env, **extra}, store, port)
        try:
            health_s = wait_ready(server, "/health", timeout_s=900)
            health_cpu = cpu_s(server)
            answer = httpx.get(
                server.base_url + "/api/v1/choropleth?indicator=population&level=departamento",
                timeout=300,
            )
            answer.raise_for_status()
            map_s = time.monotonic() - server.started_s
            print(
                f"| {number} | {health_s:.1f} ({health_cpu:.1f}) | {map_s:.1f} "
                f"({cpu_s(server):.1f}) | {server.rss_mb() or 0:.0f} |"
            )
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="folder holding siep.sqlite")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--poll", type=float, default=0.5, help="SIEP_CATALOG_POLL_S")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--cold-starts", type=int, default=0, help="only measure N cold starts of one server"
    )
    args = parser.parse_args()
    if args.cold_starts:
        cold_starts(args.store, args.cold_starts)
    else:
        run(args.store, args.rows, args.poll, args.timeout)


if __name__ == "__main__":
    main()
