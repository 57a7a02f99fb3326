"""Scale benchmark: a SYNTHETIC monthly history loaded through `siep load`, then served.

    python -m bench.scale --observations 1000000     # the issue-11 profile (about 10 min)
    SIEP_BENCH_PROFILE=short python -m bench.scale   # 100k rows, correctness only

Everything lives in a temporary folder that is deleted at the end: the generated figures are
random numbers marked SYNTHETIC in every dataset title and source, never shipped as data.
Measured on the embedded store (SQLite): cold start (process start to the first choropleth
answer) reading the store, and again loading the persisted snapshot (app/catalog/persist.py),
resident memory after each start and after the run, p50/p99 of uncached series and
choropleths (distinct requests: the response cache never hits), and, side by side, DuckDB
computing the same aggregate from the same rows (the floor on this machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd
from sqlalchemy import Engine, create_engine

from bench.processes import start_uvicorn, wait_ready

SYNTHETIC = "SYNTHETIC benchmark data (bench/scale.py): random figures, not INPE's"
FILE_ROWS = 200_000  # the per-file row limit of `siep load`
AGE_BANDS = ("18-19", "20-24", "25-29", "30-39", "40-49", "50-59", "60+")
LEVELS = ("departamento", "provincia", "distrito")


def dimension_slices() -> list[dict[str, str]]:
    """The population breakdowns generated for each establishment and month."""
    slices: list[dict[str, str]] = [{}]
    slices += [{"sex": s} for s in ("M", "F")]
    slices += [{"legal_status": s} for s in ("procesado", "sentenciado")]
    slices += [
        {"sex": s, "legal_status": ls} for s in ("M", "F") for ls in ("procesado", "sentenciado")
    ]
    slices += [{"age_band": a} for a in AGE_BANDS]
    slices += [{"sex": s, "age_band": a} for s in ("M", "F") for a in AGE_BANDS]
    return slices


def synthetic_rows(
    establishments: list[str], months: list[str], seed: int = 11
) -> Iterator[pd.DataFrame]:
    """One frame per month: population by every slice, capacity and TB cases (totals)."""
    rng = np.random.default_rng(seed)
    slices = dimension_slices()
    for month in months:
        base = rng.integers(50, 5000, size=len(establishments))
        frames = []
        for dims in slices:
            share = 1.0 / (1 + len(dims) * 3)
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": "population",
                        "place_code": establishments,
                        "value": np.round(base * share).astype(int),
                        **dims,
                    }
                )
            )
        frames.append(
            pd.DataFrame(
                {
                    "indicator": "capacity",
                    "place_code": establishments,
                    "value": np.round(base * 0.8).astype(int),
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "indicator": "tb_cases",
                    "place_code": establishments,
                    "value": rng.integers(0, 12, size=len(establishments)),
                }
            )
        )
        frame = pd.concat(frames, ignore_index=True)
        frame["place_type"] = "establishment"
        frame["period"] = month
        frame["source_locator"] = "synthetic"
        yield frame


def months_back(count: int, last_year: int = 2024) -> list[str]:
    months = [
        f"{y:04d}-{m:02d}"
        for y in range(last_year - count // 12 - 1, last_year + 1)
        for m in range(1, 13)
    ]
    return months[-count:]


def siep(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"siep {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


@dataclass
class Timings:
    ours_ms: list[float]
    duckdb_ms: list[float]

    def line(self, name: str) -> str:
        def p(values: list[float], q: float) -> float:
            return float(np.percentile(values, q)) if values else float("nan")

        return (
            f"| {name} | {len(self.ours_ms)} | {p(self.ours_ms, 50):.1f} | {p(self.ours_ms, 99):.1f} "
            f"| {p(self.duckdb_ms, 50):.1f} | {p(self.duckdb_ms, 99):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--short", action="store_true", help="100k rows, 40 requests")
    parser.add_argument(
        "--keep",
        type=Path,
        help="Build the store in this folder and keep it; a folder holding one is reused",
    )
    args = parser.parse_args()
    if args.short or os.environ.get("SIEP_BENCH_PROFILE") == "short":
        args.observations, args.requests = 100_000, 40
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args.observations, args.requests)
        return
    folder = Path(tempfile.mkdtemp(prefix="siep-scale-"))
    try:
        run(folder, args.observations, args.requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, observations: int, requests: int) -> None:
    url = f"sqlite:///{folder / 'siep.sqlite'}"
    env = {"SIEP_DATABASE_URL": url}
    is_built = (folder / "siep.sqlite").exists()
    if not is_built:
        siep(["db", "upgrade"], env)
        siep(["seed"], env)
    engine = create_engine(url)
    establishments = pd.read_sql(
        "SELECT code FROM establishments WHERE code LIKE 'EP-%' ORDER BY code", engine
    )["code"].tolist()
    per_month = len(establishments) * (len(dimension_slices()) + 2)
    months = months_back(max(1, observations // per_month))
    if not is_built:
        load_synthetic(folder, env, establishments, months)
    total = pd.read_sql("SELECT count(*) AS n FROM observations", engine)["n"].iloc[0]
    serve_and_measure(folder, env, engine, establishments, months, requests, int(total))


def load_synthetic(
    folder: Path, env: dict[str, str], establishments: list[str], months: list[str]
) -> None:
    """Write the history in files of at most FILE_ROWS rows and `siep load` each one."""
    per_month = len(establishments) * (len(dimension_slices()) + 2)
    print(
        f"generating {len(months) * per_month:,} SYNTHETIC rows: {len(establishments)} E.P. × {len(months)} months"
    )
    started = time.monotonic()
    batch: list[pd.DataFrame] = []
    files = 0

    def flush() -> None:
        nonlocal files, batch
        if not batch:
            return
        files += 1
        path = folder / f"synthetic_{files:03d}.csv"
        pd.concat(batch, ignore_index=True).to_csv(path, index=False)
        siep(
            ["load", str(path), "--title", f"{SYNTHETIC} #{files}", "--source-document", SYNTHETIC],
            env,
        )
        path.unlink()
        batch = []

    rows = 0
    for frame in synthetic_rows(establishments, months):
        if rows + len(frame) > FILE_ROWS:
            flush()
            rows = 0
        batch.append(frame)
        rows += len(frame)
    flush()
    load_s = time.monotonic() - started
    print(f"loaded {files} files through `siep load` in {load_s:.0f} s")


def serve_and_measure(
    folder: Path,
    env: dict[str, str],
    engine: Engine,
    establishments: list[str],
    months: list[str],
    requests: int,
    total: int,
) -> None:
    """Three cold starts (store read without persistence; store read, snapshot persisted; the
    persisted snapshot loaded), then the latencies measured on the last server."""
    first_map = f"/api/v1/choropleth?indicator=population&level=departamento&period={months[-1]}"
    shutil.rmtree(folder / "snapshots", ignore_errors=True)
    starts: list[tuple[str, float, float]] = []
    cases = [
        ("store read, snapshots off (SIEP_PERSIST_SNAPSHOTS=0)", {"SIEP_PERSIST_SNAPSHOTS": "0"}),
        ("store read, snapshot persisted (first start)", {}),
        ("persisted snapshot loaded (restart)", {}),
    ]
    server = None
    try:
        for number, (case, extra) in enumerate(cases):
            server = start_uvicorn(
                f"ours-{number}", "app.asgi:app", {**env, **extra}, folder / "logs"
            )
            cold_s = wait_ready(server, first_map, 1800)
            starts.append((case, cold_s, server.rss_mb() or 0.0))
            if number < len(cases) - 1:
                server.stop()
        assert server is not None
        series, choropleth = measure(server.base_url, engine, establishments, months, requests)
        rss = server.rss_mb()
    finally:
        if server is not None:
            server.stop()
    print()
    print(f"observations in the store: {total:,}; RSS after the requests below {rss:.0f} MB")
    print("| cold start | process start to first choropleth, s | RSS then, MB |")
    print("|---|---:|---:|")
    for case, cold_s, start_rss in starts:
        print(f"| {case} | {cold_s:.2f} | {start_rss:.0f} |")
    print()
    print("| uncached request | n | ours p50 ms | ours p99 ms | DuckDB p50 ms | DuckDB p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    print(series.line("series (monthly, one place)"))
    print(choropleth.line("choropleth (JSON, one period)"))


def measure(
    base_url: str, engine: object, establishments: list[str], months: list[str], requests: int
) -> tuple[Timings, Timings]:
    """Distinct series and choropleth requests to our server, and the same aggregates in
    DuckDB over the same observation rows (read once from the store)."""
    rows = pd.read_sql(
        "SELECT place_code, period, dimensions, value FROM observations WHERE indicator = 'population'",
        engine,
    )  # type: ignore[call-overload]
    places = pd.read_sql("SELECT code, ubigeo FROM establishments", engine)  # type: ignore[call-overload]
    floor = duckdb.connect()
    floor.register("o", rows)
    floor.register("e", places)
    floor.execute("CREATE TABLE obs AS SELECT * FROM o")
    floor.execute(
        "CREATE TABLE est AS SELECT code, ubigeo, substr(ubigeo, 1, 2) AS dep, substr(ubigeo, 1, 4) AS prov FROM e"
    )
    rng = np.random.default_rng(5)
    departamentos = sorted(set(places["ubigeo"].str[:2]))
    slices = [d for d in dimension_slices() if len(d) <= 1]
    series, choropleth = Timings([], []), Timings([], [])
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for i in range(requests):
            dep = departamentos[i % len(departamentos)]
            dims = slices[i % len(slices)]
            query = {
                "indicator": "population",
                "place": dep,
                "granularity": "month",
                "lang": ["es", "en"][i // len(departamentos) % 2],
            }
            query["from"] = months[int(rng.integers(0, len(months) // 2))]
            t = time.perf_counter()
            response = client.get("/api/v1/series", params=query)
            series.ours_ms.append((time.perf_counter() - t) * 1000)
            response.raise_for_status()
            dims_text = ";".join(f"{k}={v}" for k, v in sorted(dims.items()))
            t = time.perf_counter()
            floor.execute(
                "SELECT o.period, sum(o.value), count(*) FROM obs o JOIN est ON est.code = o.place_code "
                "WHERE est.dep = ? AND o.dimensions = '' AND o.period >= ? GROUP BY o.period ORDER BY o.period",
                [dep, query["from"]],
            ).fetchall()
            series.duckdb_ms.append((time.perf_counter() - t) * 1000)
            period = months[int(rng.integers(0, len(months)))]
            level = LEVELS[i % len(LEVELS)]
            t = time.perf_counter()
            response = client.get(
                "/api/v1/choropleth",
                params={"indicator": "population", "level": level, "period": period, **dims},
            )
            choropleth.ours_ms.append((time.perf_counter() - t) * 1000)
            response.raise_for_status()
            column = {"departamento": "dep", "provincia": "prov", "distrito": "ubigeo"}[level]
            t = time.perf_counter()
            floor.execute(
                f"SELECT est.{column}, sum(o.value), count(*) FROM obs o JOIN est ON est.code = o.place_code "
                "WHERE o.period = ? AND o.dimensions = ? GROUP BY 1",
                [period, dims_text],
            ).fetchall()
            choropleth.duckdb_ms.append((time.perf_counter() - t) * 1000)
    return series, choropleth


if __name__ == "__main__":
    main()
