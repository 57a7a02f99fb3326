"""Profile our server under one scenario's load: py-spy samples the uvicorn process while wrk
drives it, then the hottest functions (own time and inclusive time) are printed.

    python -m bench.profile items_all [--seconds 10] [--out var/bench/profile-items_all.txt]

The collapsed stacks file can be opened in speedscope or turned into a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from app.settings import PROJECT_ROOT
from bench import ours
from bench.database import land_4326, start_database
from bench.processes import free_port, wait_ready
from bench.run import choropleth_colors_and_etag
from bench.scenarios import Context, build_scenarios
from bench.urls import QueryPool, TileRuns
from bench.wrk import LoadSpec, run_wrk


def summarize(collapsed: Path, top: int = 25) -> str:
    """Own and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", "inclusive time (app/, pygeoapi, starlette, encoders):"]
    interesting = [
        (name, n)
        for name, n in inclusive.most_common()
        if any(
            k in name
            for k in ("app/", "pygeoapi", "starlette", "fastapi", "json", "orjson", "mapnik")
        )
    ]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in interesting[:top]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("scenario")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = args.out or PROJECT_ROOT / "var" / "bench" / f"profile-{args.scenario}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="siep-profile-"))
    db = start_database(PROJECT_ROOT / "geodata")
    proc = None
    try:
        proc = ours.start_on(db, folder, free_port())
        wait_ready(proc, "/health")
        pool = QueryPool(seed=7)
        _, etag = choropleth_colors_and_etag(proc.base_url)
        warm = tuple(pool.tiles_3857(32))
        tiles = TileRuns(pool, 10000, land_4326(db))
        ctx = Context(pool, 40000, ours.discover(proc.base_url), etag, warm, tiles)
        scenario = next(s for s in build_scenarios(ctx) if s.key == args.scenario)
        target = next(t for t in scenario.targets if t.server == "ours")
        for path in target.paths(-1)[:50]:  # warm up, as the benchmark does
            import httpx

            httpx.get(proc.base_url + path, headers=dict(target.headers), timeout=60)
        paths = target.paths(0)
        spec = LoadSpec(
            duration_s=args.seconds + 2, max_requests=len(paths) if target.is_rotating else 0
        )
        result: dict[str, object] = {}
        worker = threading.Thread(
            target=lambda: result.update(r=run_wrk(proc.base_url, paths, spec, target.headers))
        )
        worker.start()
        subprocess.run(
            [
                py_spy,
                "record",
                "-p",
                str(proc.pid),
                "-d",
                str(int(args.seconds)),
                "-r",
                "200",
                "-f",
                "raw",
                "-o",
                str(out),
                "--nonblocking",
            ],
            check=True,
            capture_output=True,
        )
        worker.join()
        print(f"load: {result.get('r')}")
        print(summarize(out))
        print(f"\ncollapsed stacks: {out}")
    finally:
        if proc is not None:
            proc.stop()
        db.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
