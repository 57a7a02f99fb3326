"""Cold start on the shipped data: `siep serve` to its first /health answer, and resident memory.

    python -m bench.coldstart [--starts 5]

A store is seeded once in a temporary folder (by a first `siep serve`), then the server is
started again `--starts` times, with the persisted snapshot (the normal case: it was written by
the first start) and without it (SIEP_PERSIST_SNAPSHOTS=0: the store is read at every start).
Each start records the seconds from process start to the first /health 200, the resident
memory then (RSS from /proc, the process and its children), and RSS after one JSON choropleth,
one WMS GetMap and one OGC API items request in that order. Medians are printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

from bench.processes import Process, free_port, spawn, wait_ready

REQUESTS = {
    "JSON": "/api/v1/choropleth?indicator=population&level=departamento",
    "WMS": "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=departamentos&STYLES="
    "&CRS=EPSG:4326&BBOX=-18.4,-81.4,-0.03,-68.6&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "OGC": "/ogc/collections/establecimientos_penitenciarios/items?f=json&limit=100",
}
COLUMNS = ("start s", "RSS at start MB", *(f"RSS after {k} MB" for k in REQUESTS))


def start(folder: Path, name: str, extra: dict[str, str]) -> tuple[Process, dict[str, str]]:
    port = free_port()
    env = {"SIEP_VAR_DIR": str(folder / "var"), "SIEP_PORT": str(port), **extra}
    process = spawn(name, [sys.executable, "-m", "app.cli", "serve"], env, folder / "logs")
    process.base_url = f"http://127.0.0.1:{port}"
    return process, env


def measure(folder: Path, name: str, extra: dict[str, str]) -> list[float]:
    process, _ = start(folder, name, extra)
    try:
        row = [wait_ready(process, "/health", 600), process.rss_mb() or 0.0]
        with httpx.Client(base_url=process.base_url, timeout=120) as client:
            for path in REQUESTS.values():
                client.get(path).raise_for_status()
                row.append(process.rss_mb() or 0.0)
        return row
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="siep-coldstart-"))
    try:
        first = measure(folder, "seed", {})
        print(f"first start (seeds the store, builds and persists the snapshot): {first[0]:.2f} s")
        print(f"| shipped data, median of {args.starts} | " + " | ".join(COLUMNS) + " |")
        print("|---|" + "---:|" * len(COLUMNS))
        cases = {
            "persisted snapshot": {},
            "no snapshot (store read)": {"SIEP_PERSIST_SNAPSHOTS": "0"},
        }
        for case, extra in cases.items():
            rows = [measure(folder, f"{case[:2]}-{i}", extra) for i in range(args.starts)]
            medians = [statistics.median(column) for column in zip(*rows, strict=True)]
            cells = [f"{medians[0]:.2f}", *(f"{m:.0f}" for m in medians[1:])]
            print(f"| {case} | " + " | ".join(cells) + " |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
