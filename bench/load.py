"""Load benchmark: one big SYNTHETIC file through `siep load`, on SQLite and on PostGIS.

    python -m bench.load --rows 1000000 5000000            # both backends (about 15 min)
    python -m bench.load --rows 300000 --backend sqlite    # one quick point

For each size, a CSV of that many rows is generated with bench/scale.py's generator (random
figures marked SYNTHETIC in the title and source, written to a temporary folder and deleted at
the end: never shipped as data) and loaded in one `siep load` into a freshly seeded store. The
wall time, CPU time and peak resident memory (ru_maxrss) of that `siep load` process are printed
as a Markdown table (bench/RESULTS.md keeps the numbers). PostGIS runs in a throwaway cluster
(tests/support/pgcluster.py: fsync and synchronous_commit off, as in the tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine

from bench.scale import SYNTHETIC, dimension_slices, months_back, siep, synthetic_rows


@dataclass(frozen=True)
class LoadRun:
    backend: str
    rows: int
    file_mb: float
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float

    def line(self) -> str:
        return (
            f"| {self.backend} | {self.rows:,} | {self.file_mb:.0f} | {self.seconds:.1f} "
            f"| {self.cpu_seconds:.1f} | {self.rows / self.seconds:,.0f} "
            f"| {self.peak_rss_mb:.0f} |"
        )


def write_synthetic_csv(url: str, rows: int, path: Path) -> None:
    """`rows` SYNTHETIC rows of monthly population, capacity and TB cases per E.P."""
    engine = create_engine(url)
    establishments = pd.read_sql(
        "SELECT code FROM establishments WHERE code LIKE 'EP-%' ORDER BY code", engine
    )["code"].tolist()
    engine.dispose()
    per_month = len(establishments) * (len(dimension_slices()) + 2)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        for frame in synthetic_rows(establishments, months_back(rows // per_month + 1)):
            part = frame.iloc[: rows - written]
            part.to_csv(handle, index=False, header=written == 0)
            written += len(part)
            if written >= rows:
                break


def timed_load(path: Path, env: dict[str, str], logs: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `siep load` of `path` (the CPU time
    is the loader's own: on a busy machine the wall time also counts waiting for a core)."""
    command = [sys.executable, "-m", "app.cli", "load", str(path), "--title", SYNTHETIC]
    with (logs / "load.out").open("w") as out, (logs / "load.err").open("w") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [*command, "--source-document", SYNTHETIC],
            env={**os.environ, **env},
            stdout=out,
            stderr=err,
        )
        # wait4, not wait(): it also gives the child's resource usage (ru_maxrss in KiB).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        detail = (logs / "load.out").read_text() + (logs / "load.err").read_text()
        raise RuntimeError(f"siep load failed:\n{detail}")
    print((logs / "load.out").read_text().strip(), flush=True)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--backend", choices=["sqlite", "postgis", "both"], default="both")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"commit {commit or '?'}; {os.cpu_count()} cores; load average at start {load}")
    folder = Path(tempfile.mkdtemp(prefix="siep-load-"))
    cluster = None
    runs: list[LoadRun] = []
    try:
        backends = ["sqlite", "postgis"] if args.backend == "both" else [args.backend]
        if "postgis" in backends:
            from tests.support.pgcluster import start_cluster

            cluster = start_cluster()
        for rows in args.rows:
            csv_path = folder / f"synthetic_{rows}.csv"
            for number, backend in enumerate(backends):
                if backend == "sqlite":
                    url = f"sqlite:///{folder / f'siep_{rows}.sqlite'}"
                else:
                    assert cluster is not None
                    url = cluster.create_database(f"siep_load_{rows}", template="siep_template")
                env = {"SIEP_DATABASE_URL": url, "SIEP_VAR_DIR": str(folder / "var")}
                siep(["db", "upgrade"], env)
                siep(["seed"], env)
                if number == 0:
                    write_synthetic_csv(url, rows, csv_path)
                seconds, cpu, peak_mb = timed_load(csv_path, env, folder)
                size_mb = csv_path.stat().st_size / 1e6
                run = LoadRun(backend, rows, size_mb, seconds, cpu, peak_mb)
                print(run.line(), flush=True)
                runs.append(run)
                if backend == "sqlite":
                    Path(url.removeprefix("sqlite:///")).unlink()
                elif cluster is not None:
                    cluster.drop_database(f"siep_load_{rows}")
            csv_path.unlink()
    finally:
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)
    print("\n| backend | rows | file MB | `siep load` s | CPU s | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(run.line())


if __name__ == "__main__":
    main()
