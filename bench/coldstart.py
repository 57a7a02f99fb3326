"""Cold start on the shipped data: `siep serve` to its first /health answer, and resident memory.

    python -m bench.coldstart [--starts 5]

A store is seeded once in a temporary folder (by a first `siep serve`), then the server is
started again `--starts` times, with the persisted snapshot (the normal case: it was written by
the first start) and without it (SIEP_PERSIST_SNAPSHOTS=0: the store is read at every start).
Each start records the seconds from process start to the first /health 200, the CPU seconds the
server had used by then (user + system, from /proc: steadier than wall time on a busy machine),
and resident memory (RSS from /proc) then and after one JSON choropleth, one WMS GetMap and one
OGC API items request in that order: of the server process alone, and of the server with all
its descendants (the forkserver and its map workers), whose PSS (shared pages counted once)
is given after the last request. Medians are printed, with the load average of the machine.
"""

from __future__ import annotations

import argparse
import os
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
COLUMNS = (
    "start s",
    "CPU s at start",
    "RSS at start MB",
    *(f"RSS after {k} MB (with workers)" for k in REQUESTS),
    "PSS with workers MB",
)


def start(folder: Path, name: str, extra: dict[str, str]) -> tuple[Process, dict[str, str]]:
    port = free_port()
    env = {"SIEP_VAR_DIR": str(folder / "var"), "SIEP_PORT": str(port), **extra}
    process = spawn(name, [sys.executable, "-m", "app.cli", "serve"], env, folder / "logs")
    process.base_url = f"http://127.0.0.1:{port}"
    return process, env


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (the forkserver's workers are its grandchildren).
    Children are listed per thread that started them, so every thread is read."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def memory_mb(pids: list[int], field: str) -> float:
    """The sum of `field` (VmRSS in /proc/PID/status, Pss in smaps_rollup) in MB."""
    total_kb = 0
    for pid in pids:
        name = "status" if field == "VmRSS" else "smaps_rollup"
        try:
            lines = Path(f"/proc/{pid}/{name}").read_text().splitlines()
        except OSError:
            continue
        total_kb += sum(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))
    return total_kb / 1024


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(folder: Path, name: str, extra: dict[str, str]) -> list[float]:
    process, _ = start(folder, name, extra)
    try:
        row = [wait_ready(process, "/health", 600), cpu_s(process.pid)]
        row.append(memory_mb([process.pid], "VmRSS"))
        with httpx.Client(base_url=process.base_url, timeout=120) as client:
            for path in REQUESTS.values():
                client.get(path).raise_for_status()
                row += [
                    memory_mb([process.pid], "VmRSS"),
                    memory_mb(descendants(process.pid), "VmRSS"),
                ]
        row.append(memory_mb(descendants(process.pid), "Pss"))
        return row
    finally:
        process.stop()


def cells(medians: list[float]) -> list[str]:
    out = [f"{medians[0]:.2f}", f"{medians[1]:.2f}", f"{medians[2]:.0f}"]
    pairs = medians[3:-1]
    out += [
        f"{alone:.0f} ({whole:.0f})" for alone, whole in zip(pairs[::2], pairs[1::2], strict=True)
    ]
    return [*out, f"{medians[-1]:.0f}"]


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
        print("load average before the runs: " + " ".join(f"{v:.1f}" for v in os.getloadavg()))
        print(f"| shipped data, median of {args.starts} | " + " | ".join(COLUMNS) + " |")
        print("|---|" + "---:|" * len(COLUMNS))
        cases = {
            "persisted snapshot": {},
            "no snapshot (store read)": {"SIEP_PERSIST_SNAPSHOTS": "0"},
        }
        for case, extra in cases.items():
            rows = [measure(folder, f"{case[:2]}-{i}", extra) for i in range(args.starts)]
            medians = [statistics.median(column) for column in zip(*rows, strict=True)]
            print(f"| {case} | " + " | ".join(cells(medians)) + " |")
        print("load average after the runs: " + " ".join(f"{v:.1f}" for v in os.getloadavg()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
