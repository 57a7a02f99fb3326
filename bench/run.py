"""`make bench`: set everything up on 127.0.0.1, load every server from wrk, print the table.

    python -m bench.run [--short] [--only items_all,wms_rotating] [--runs N] [--duration S]
                        [--no-scaleout] [--record | --no-record]

The full profile (default) records its table into bench/RESULTS.md; --short (or
SIEP_BENCH_PROFILE=short) is a CI smoke run of a few minutes that records nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT
from bench import ours, results_file
from bench.anchors import mapserver, pygeoapi_stock, tipg_stock
from bench.database import BenchDatabase, land_4326, set_province_colors, start_database
from bench.processes import Process, ensure_debian_packages, free_port, start_uvicorn, wait_ready
from bench.report import build_rows, machine_meta, markdown, text_table
from bench.scenarios import Context, Scenario, build_scenarios, ours_items
from bench.urls import QueryPool, TileRuns
from bench.validate import check_target
from bench.wrk import LoadResult, LoadSpec, run_wrk

COLD_START_GOAL_S = 3.0
RSS_GOAL_MB = 500.0
MAX_TILES_PER_RUN = 10000  # distinct tile addresses are finite: do not draw more than a run asks


@dataclass(frozen=True)
class Profile:
    name: str
    duration_s: float
    runs: int
    pool_size: int
    cold_starts: int
    scaleout_s: float
    connections: int = 8
    threads: int = 1


PROFILES = {
    "full": Profile("full", duration_s=10, runs=3, pool_size=40000, cold_starts=3, scaleout_s=20),
    "short": Profile("short", duration_s=2, runs=1, pool_size=6000, cold_starts=1, scaleout_s=6),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--short", action="store_true", help="CI smoke profile (a few minutes)")
    parser.add_argument("--runs", type=int, help="runs per target (median is reported)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--no-scaleout", action="store_true", help="skip the two-replica check")
    parser.add_argument("--record", dest="record", action="store_true", default=None)
    parser.add_argument("--no-record", dest="record", action="store_false")
    parser.add_argument("--note", default="", help="free text stored with the results")
    return parser.parse_args(argv)


class Servers:
    """Every server of the run, by name; stopped together at the end."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.processes: dict[str, list[Process]] = defaultdict(list)
        self.ready_s: dict[str, float] = {}
        self.failed: dict[str, str] = {}
        self._stoppers: list[object] = []

    def add(self, name: str, url: str, processes: list[Process], ready_s: float | None) -> None:
        self.urls[name] = url
        self.processes[name] = processes
        if ready_s is not None:
            self.ready_s[name] = ready_s

    def rss_mb(self, name: str) -> float | None:
        values = [p.rss_mb() for p in self.processes.get(name, [])]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    def stop_all(self) -> None:
        for procs in self.processes.values():
            for proc in reversed(procs):
                proc.stop()


def start_servers(db: BenchDatabase, folder: Path, servers: Servers) -> None:
    port = free_port()
    proc = ours.start_on(db, folder / "ours", port)
    servers.add("ours", proc.base_url, [proc], wait_ready(proc, "/health"))
    log(f"ours ready in {servers.ready_s['ours']:.2f}s at {proc.base_url}")
    for name, starter, ready_path in (
        ("pygeoapi", pygeoapi_stock.start, "/"),
        ("tipg", tipg_stock.start, "/collections"),
    ):
        try:
            proc = starter(db, folder / name)
            servers.add(name, proc.base_url, [proc], wait_ready(proc, ready_path))
            log(f"{name} ready in {servers.ready_s[name]:.2f}s")
        except Exception as exc:  # an anchor that cannot start is reported, not fatal
            servers.failed[name] = f"{exc.__class__.__name__}: {str(exc)[:300]}"
            log(f"{name} failed to start: {servers.failed[name]}")
    try:
        ms = mapserver.start(db, folder / "mapserver")
        servers.add("mapserver", ms.base_url, ms.processes(), None)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(
                    ms.base_url + mapserver.getfeature_path(mapserver.WFS_GEOJSON_FORMAT), timeout=5
                )
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        log("mapserver (spawn-fcgi + nginx) ready")
    except Exception as exc:
        servers.failed["mapserver"] = f"{exc.__class__.__name__}: {str(exc)[:300]}"
        log(f"mapserver failed to start: {servers.failed['mapserver']}")


def start_ceiling(scenarios: list[Scenario], folder: Path, servers: Servers) -> None:
    """Serve, for every scenario with a ceiling, the exact bytes our server answers there."""
    folder.mkdir(parents=True, exist_ok=True)
    with httpx.Client(timeout=60) as client:
        for scenario in scenarios:
            if not any(t.server == "ceiling" for t in scenario.targets):
                continue
            body, media_type = _our_answer(client, scenario, servers)
            if body is not None:
                (folder / f"{scenario.key}.body").write_bytes(body)
                (folder / f"{scenario.key}.type").write_text(media_type)
    proc = start_uvicorn(
        "ceiling", "bench.ceiling_app:app", {"BENCH_CEILING_DIR": str(folder)}, folder
    )
    servers.add("ceiling", proc.base_url, [proc], wait_ready(proc, "/health"))
    log("ceiling ready")


def _our_answer(
    client: httpx.Client, scenario: Scenario, servers: Servers
) -> tuple[bytes | None, str]:
    candidates = [t for t in scenario.targets if t.server == "ours"]
    if scenario.key == "items_all":  # if ours does not answer, pygeoapi's bytes stand in
        candidates += [t for t in scenario.targets if t.server == "pygeoapi"]
    for target in candidates:
        if target.server not in servers.urls:
            continue
        try:
            response = client.get(
                servers.urls[target.server] + target.paths(-1)[0], headers=dict(target.headers)
            )
        except httpx.HTTPError:
            continue
        if response.status_code == 304:
            return b"", "304"
        if response.status_code == 200:
            return response.content, response.headers.get("content-type", "application/json")
    return None, ""


def choropleth_colors_and_etag(base_url: str) -> tuple[dict[str, str], str | None]:
    colors: dict[str, str] = {}
    etag = None
    try:
        prov = httpx.get(
            base_url + "/api/v1/choropleth?indicator=overpopulation_pct&level=provincia", timeout=60
        )
        if prov.status_code == 200:
            for feature in prov.json().get("features", []):
                props = feature.get("properties", {})
                if props.get("code") and props.get("color"):
                    colors[props["code"]] = props["color"]
        dep = httpx.get(
            base_url + "/api/v1/choropleth?indicator=overpopulation_pct&level=departamento",
            timeout=60,
        )
        etag = dep.headers.get("etag") if dep.status_code == 200 else None
    except httpx.HTTPError:
        pass
    return colors, etag


def validate_and_prepare(scenarios: list[Scenario], servers: Servers) -> dict[tuple[str, str], str]:
    """Problems by (scenario, server); targets with a problem are not timed."""
    problems: dict[tuple[str, str], str] = {}
    for scenario in scenarios:
        for target in scenario.targets:
            key = (scenario.key, target.server)
            if target.server not in servers.urls:
                problems[key] = servers.failed.get(target.server, "server not running")
                continue
            sample = target.paths(-1)
            sample = sample[:3] if target.is_rotating else sample
            problem = check_target(servers.urls[target.server], target, sample)
            if problem:
                problems[key] = problem
                log(f"  {scenario.key}/{target.server}: NOT TIMED: {problem}")
    return problems


def run_load(
    scenarios: list[Scenario],
    servers: Servers,
    problems: dict[tuple[str, str], str],
    profile: Profile,
) -> tuple[dict[tuple[str, str], list[LoadResult]], dict[tuple[str, str], list[bool]]]:
    results: dict[tuple[str, str], list[LoadResult]] = defaultdict(list)
    bounds: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for run in range(profile.runs):
        log(f"run {run + 1}/{profile.runs}")
        for scenario in scenarios:
            for target in scenario.targets:
                key = (scenario.key, target.server)
                if key in problems:
                    continue
                paths = target.paths(run)
                spec = LoadSpec(
                    threads=profile.threads,
                    connections=profile.connections,
                    duration_s=profile.duration_s,
                    max_requests=len(paths) if target.is_rotating else 0,
                )
                result = run_wrk(servers.urls[target.server], paths, spec, target.headers)
                results[key].append(result)
                bounds[key].append(target.is_rotating and result.requests >= len(paths))
                log(
                    f"  {scenario.key:<20} {target.server:<10} {result.rps:9.1f} req/s "
                    f"p50 {result.p50_ms:7.2f} ms p99 {result.p99_ms:8.2f} ms errors {result.errors}"
                )
    return results, bounds


def measure_cold_starts(
    db: BenchDatabase, folder: Path, count: int
) -> list[tuple[float, float | None]]:
    """(seconds to first /health answer, seconds to first all-E.P. items answer) per start."""
    out = []
    for i in range(count):
        port = free_port()
        proc = ours.start_on(db, folder / f"cold-{i}", port, name=f"ours-cold-{i}")
        try:
            first = wait_ready(proc, "/health")
            t0 = time.monotonic()
            response = httpx.get(proc.base_url + ours_items(), timeout=60)
            items = first + (time.monotonic() - t0) if response.status_code == 200 else None
            out.append((first, items))
        finally:
            proc.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    is_short = args.short or os.environ.get("SIEP_BENCH_PROFILE", "").lower() == "short"
    profile = PROFILES["short" if is_short else "full"]
    if args.runs:
        profile = replace(profile, runs=args.runs)
    if args.duration:
        profile = replace(profile, duration_s=args.duration)
    only = {k for k in args.only.split(",") if k}
    record = args.record if args.record is not None else (profile.name == "full" and not only)
    log(
        f"profile {profile.name}: {profile.runs} run(s) x {profile.duration_s:g}s per target, wrk -t{profile.threads} -c{profile.connections}"
    )
    missing = ensure_debian_packages()
    if missing:
        log(f"missing Debian packages (their anchors are skipped): {', '.join(missing)}")
    meta = machine_meta(profile.name, args.note)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="siep-bench-"))
    folder.chmod(0o755)  # nginx workers (user nobody) must reach the FastCGI socket
    log(f"logs and configs in {folder}")
    db = start_database(PROJECT_ROOT / "geodata")
    log(f"PostGIS seeded at {db.url}")
    servers = Servers()
    extras: list[tuple[str, str, str]] = []
    try:
        start_servers(db, folder, servers)
        colors, etag = choropleth_colors_and_etag(servers.urls["ours"])
        if colors:
            set_province_colors(db, colors)
        endpoints = ours.discover(servers.urls["ours"])
        log(f"our endpoints: {endpoints}")
        pool = QueryPool()
        warm_boxes = tuple(pool.tiles_3857(32))
        tile_runs = TileRuns(pool, min(profile.pool_size, MAX_TILES_PER_RUN), land_4326(db))
        ctx = Context(pool, profile.pool_size, endpoints, etag, warm_boxes, tile_runs)
        scenarios = select_scenarios(build_scenarios(ctx), only)
        start_ceiling(scenarios, folder / "ceiling", servers)
        problems = validate_and_prepare(scenarios, servers)
        _prewarm(scenarios, servers)
        results, bounds = run_load(scenarios, servers, problems, profile)
        rss = {name: servers.rss_mb(name) for name in servers.urls}
        if not only or "cold_start" in only:
            colds = measure_cold_starts(db, folder, profile.cold_starts)
            first = statistics.median(c[0] for c in colds)
            items = [c[1] for c in colds if c[1] is not None]
            extras.append(
                (
                    "cold start, process start to first /health answer (median)",
                    f"{first:.2f} s",
                    "PASS" if first < COLD_START_GOAL_S else "MISS",
                )
            )
            if items:
                extras.append(
                    (
                        "cold start to first all-E.P. items answer (median)",
                        f"{statistics.median(items):.2f} s",
                        "PASS" if statistics.median(items) < COLD_START_GOAL_S else "MISS",
                    )
                )
        if rss.get("ours") is not None:
            value = rss["ours"] or 0.0
            extras.append(
                (
                    "our resident memory after warm-up",
                    f"{value:.0f} MB",
                    "PASS" if value < RSS_GOAL_MB else "MISS",
                )
            )
        for name, value in rss.items():
            if name != "ours" and value is not None:
                extras.append((f"{name} resident memory after warm-up", f"{value:.0f} MB", "info"))
        if not args.no_scaleout and (not only or "scaleout" in only):
            from bench.scaleout import run_scaleout

            outcome = run_scaleout(db, folder / "scaleout", profile.scaleout_s)
            extras.append(
                (
                    "scale-out: 2 replicas behind nginx, reload under load",
                    outcome.summary(),
                    "PASS" if outcome.is_ok else "MISS",
                )
            )
        for key, problem in problems.items():
            extras.append((f"not timed: {key[0]}/{key[1]}", problem.replace("|", "/")[:160], "n/a"))
        rows, checks = build_rows(scenarios, results, bounds)
        table = text_table(rows, checks, extras)
        print()
        print(table)
        meta["wall time"] = f"{time.monotonic() - started:.0f} s"
        titles = {s.key: s.title for s in scenarios}
        md = markdown(rows, checks, extras, meta, titles)
        out_dir = PROJECT_ROOT / "var" / "bench"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (out_dir / f"results-{stamp}.md").write_text(md + "\n")
        (out_dir / f"results-{stamp}.json").write_text(
            json.dumps(
                {
                    "meta": meta,
                    "rows": [asdict(r) for r in rows],
                    "goals": [asdict(c) for c in checks],
                    "extras": extras,
                },
                indent=2,
            )
        )
        log(f"results written to var/bench/results-{stamp}.md")
        if record:
            results_file.record(md)
            log("bench/RESULTS.md updated")
    finally:
        servers.stop_all()
        db.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def select_scenarios(scenarios: list[Scenario], only: set[str]) -> list[Scenario]:
    """The scenarios asked for; the ceiling is always measured, every ratio needs it."""
    if not only:
        return scenarios
    picked = [s for s in scenarios if s.key in only]
    if "items_all" not in only:
        base = next(s for s in scenarios if s.key == "items_all")
        ceiling = tuple(t for t in base.targets if t.server == "ceiling")
        picked.insert(0, replace(base, targets=ceiling, goals=()))
    return picked


def _prewarm(scenarios: list[Scenario], servers: Servers) -> None:
    """Repeated scenarios measure a warm server: ask each of their URLs once before timing."""
    with httpx.Client(timeout=60) as client:
        for scenario in scenarios:
            for target in scenario.targets:
                if target.is_rotating or target.server not in servers.urls:
                    continue
                for path in target.paths(-1):
                    try:
                        client.get(servers.urls[target.server] + path, headers=dict(target.headers))
                    except httpx.HTTPError:
                        pass


if __name__ == "__main__":
    raise SystemExit(main())
