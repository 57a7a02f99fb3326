"""Scale benchmark: a SYNTHETIC monthly history loaded through `siep load`, then served.

    python -m bench.scale --observations 1000000     # the issue-11 profile (about 10 min)
    SIEP_BENCH_PROFILE=short python -m bench.scale   # 100k rows, correctness only
    python -m bench.scale --keep DIR --latency-only  # latencies only, on the store kept in DIR

Everything lives in a temporary folder that is deleted at the end: the generated figures are
random numbers marked SYNTHETIC in every dataset title and source, never shipped as data.
Measured on the embedded store (SQLite): cold start (process start to the first choropleth
answer) reading the store, and again loading the persisted snapshot (app/catalog/persist.py),
resident memory after each start and after the run, p50/p99 of uncached series and
choropleths (distinct requests: the response cache never hits), and, side by side, DuckDB
computing the same aggregate from the same rows (the floor on this machine) and DuckDB reading
the same answer from our precomputed rollup (what the lookup alone costs).
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
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd
from sqlalchemy import Engine, create_engine

from app.codes import format_dimensions, parse_dimensions
from bench.processes import start_uvicorn, wait_ready

SYNTHETIC = "SYNTHETIC benchmark data (bench/scale.py): random figures, not INPE's"
# Rows per generated file, one dataset each (a few years of history). Not a limit of
# `siep load`, which streams files of 10 million rows: smaller datasets only keep each load,
# and each dataset's sources, closer to what INPE publishes.
FILE_ROWS = 200_000
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
    """Per request: the level, our time, DuckDB's from the observations, DuckDB's from our
    rollup (ms; NaN when there is no persisted rollup to read)."""

    rows: list[tuple[str, float, float, float]] = field(default_factory=list)

    def line(self, name: str, level: str | None = None) -> str:
        picked = [r for r in self.rows if level is None or r[0] == level]

        def p(column: int, q: float) -> str:
            values = [float(r[column]) for r in picked]
            return f"{np.percentile(values, q):.1f}" if values else "–"

        cells = [f"{p(c, 50)} / {p(c, 99)}" for c in (1, 2, 3)]
        return f"| {name} | {len(picked)} | " + " | ".join(cells) + " |"


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
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="With --keep: no cold starts; one server (loading the persisted snapshot, "
        "persisting it first if there is none) and the latencies",
    )
    args = parser.parse_args()
    if args.short or os.environ.get("SIEP_BENCH_PROFILE") == "short":
        args.observations, args.requests = 100_000, 40
    if args.latency_only and not args.keep:
        parser.error("--latency-only needs --keep DIR (a folder holding the store)")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args.observations, args.requests, args.latency_only)
        return
    folder = Path(tempfile.mkdtemp(prefix="siep-scale-"))
    try:
        run(folder, args.observations, args.requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, observations: int, requests: int, latency_only: bool = False) -> None:
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
    serve_and_measure(folder, env, engine, months, requests, int(total), latency_only)


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
    months: list[str],
    requests: int,
    total: int,
    latency_only: bool = False,
) -> None:
    """Three cold starts (store read without persistence; store read, snapshot persisted; the
    persisted snapshot loaded), then the latencies measured on the last server. With
    `latency_only`, one start with whatever snapshot the folder holds."""
    first_map = f"/api/v1/choropleth?indicator=population&level=departamento&period={months[-1]}"
    starts: list[tuple[str, float, float]] = []
    cases = [
        ("store read, snapshots off (SIEP_PERSIST_SNAPSHOTS=0)", {"SIEP_PERSIST_SNAPSHOTS": "0"}),
        ("store read, snapshot persisted (first start)", {}),
        ("persisted snapshot loaded (restart)", {}),
    ]
    if latency_only:
        cases = [("persisted snapshot loaded, or persisted first (--latency-only)", {})]
    else:
        shutil.rmtree(folder / "snapshots", ignore_errors=True)
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
        series, choropleth = measure(
            server.base_url, engine, months, requests, stats_file(folder / "snapshots")
        )
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
    print(
        "| uncached request | n | ours p50 / p99 ms | DuckDB from the observations p50 / p99 ms "
        "| DuckDB from our rollup p50 / p99 ms |"
    )
    print("|---|---:|---:|---:|---:|")
    for level in LEVELS:
        print(series.line(f"series (monthly, one {level})", level))
    for level in LEVELS:
        print(choropleth.line(f"choropleth (GeoJSON, one period, {level})", level))
    print(series.line("series, all levels"))
    print(choropleth.line("choropleth, all levels"))


def stats_file(root: Path) -> Path | None:
    """The statistics database of the persisted snapshot (None: nothing persisted)."""
    found = sorted(root.glob("*/stats.duckdb"))
    return found[-1] if found else None


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def measure(
    base_url: str, engine: Engine, months: list[str], requests: int, rollup_file: Path | None
) -> tuple[Timings, Timings]:
    """Distinct series (one place of each level in turn, monthly from a random month) and
    choropleth requests (each level in turn, a random month and slice) to our server; the
    same aggregates computed by DuckDB from the same observation rows (read once from the
    store, in their stored order); the same answers read by DuckDB from our rollup (the
    persisted snapshot's statistics file, read-only)."""
    rows = pd.read_sql(
        "SELECT place_code, period, dimensions, value FROM observations WHERE indicator = 'population'",
        engine,
    )
    places = pd.read_sql("SELECT code, ubigeo FROM establishments", engine)
    floor = duckdb.connect()
    floor.register("o", rows)
    floor.register("e", places)
    floor.execute("CREATE TABLE obs AS SELECT * FROM o")
    floor.execute(
        "CREATE TABLE est AS SELECT code, ubigeo AS distrito, substr(ubigeo, 1, 2) AS departamento, "
        "substr(ubigeo, 1, 4) AS provincia FROM e"
    )
    rollup = duckdb.connect(str(rollup_file), read_only=True) if rollup_file else None
    ubigeos = places["ubigeo"].dropna().astype(str)
    codes = {
        "departamento": sorted(set(ubigeos.str[:2])),
        "provincia": sorted(set(ubigeos.str[:4])),
        "distrito": sorted(set(ubigeos[ubigeos.str.len() == 6])),
    }
    rng = np.random.default_rng(5)
    slices = [format_dimensions(d) for d in dimension_slices() if len(d) <= 1]
    series, choropleth = Timings(), Timings()
    seen: set[tuple[str, ...]] = set()
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for i in range(requests):
            level = LEVELS[i % len(LEVELS)]
            while True:
                place = str(rng.choice(codes[level]))
                start = months[int(rng.integers(0, len(months) // 2))]
                lang = str(rng.choice(["es", "en"]))
                if ("series", place, start, lang) not in seen:
                    seen.add(("series", place, start, lang))
                    break
            query = {"indicator": "population", "place": place, "granularity": "month"}
            started = time.perf_counter()
            client.get(
                "/api/v1/series", params={**query, "from": start, "lang": lang}
            ).raise_for_status()
            ours = ms_since(started)
            started = time.perf_counter()
            floor.execute(
                f"SELECT o.period, sum(o.value), count(*) FROM obs o JOIN est ON est.code = o.place_code "
                f"WHERE est.{level} = ? AND o.dimensions = '' AND o.period >= ? "
                "GROUP BY o.period ORDER BY o.period",
                [place, start],
            ).fetchall()
            raw = ms_since(started)
            looked_up = float("nan")
            if rollup is not None:
                started = time.perf_counter()
                rollup.execute(
                    "SELECT period, value, n_establishments FROM rollup WHERE indicator = "
                    "'population' AND level = ? AND dims = '' AND place = ? AND period >= ? "
                    "ORDER BY period",
                    [level, place, start],
                ).fetchall()
                looked_up = ms_since(started)
            series.rows.append((level, ours, raw, looked_up))

            while True:
                period = months[int(rng.integers(0, len(months)))]
                dims = slices[int(rng.integers(0, len(slices)))]
                if (level, period, dims) not in seen:
                    seen.add((level, period, dims))
                    break
            started = time.perf_counter()
            client.get(
                "/api/v1/choropleth",
                params={
                    "indicator": "population",
                    "level": level,
                    "period": period,
                    **parse_dimensions(dims),
                },
            ).raise_for_status()
            ours = ms_since(started)
            started = time.perf_counter()
            floor.execute(
                f"SELECT est.{level}, sum(o.value), count(*) FROM obs o JOIN est ON est.code = o.place_code "
                "WHERE o.period = ? AND o.dimensions = ? GROUP BY 1",
                [period, dims],
            ).fetchall()
            raw = ms_since(started)
            looked_up = float("nan")
            if rollup is not None:
                started = time.perf_counter()
                rollup.execute(
                    "SELECT place, value, n_establishments FROM rollup WHERE indicator = "
                    "'population' AND level = ? AND dims = ? AND period = ?",
                    [level, dims, period],
                ).fetchall()
                looked_up = ms_since(started)
            choropleth.rows.append((level, ours, raw, looked_up))
    return series, choropleth


if __name__ == "__main__":
    main()
