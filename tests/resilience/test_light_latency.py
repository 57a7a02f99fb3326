"""The mixed load of issue 13 against the real `siep serve`: report clients loop over distinct
choropleth PDF/XLSX/PNG downloads while light clients ask OGC API items, WMS 256² maps and WFS
GetFeature at random boxes, and /health. It asserts no server error (503 "busy" is counted
apart) and the memory of the server and its worker processes under 1 GB, both as the sum of
their RSS (shared pages counted in every process) and as PSS; it prints the
latencies, which a shared CI machine cannot judge. CI runs 8 clients for 8 s on the fixture
data; the measurement of docs/reliability.md is
`SIEP_LOAD_SECONDS=60 SIEP_LOAD_CLIENTS=50 SIEP_LOAD_STORE=<seeded siep.sqlite>
.venv/bin/python -m pytest tests/resilience/test_light_latency.py -s`.

The report URLs vary level, classes and format (72 distinct URLs), so a long run asks most of
them again and the server's report cache answers; `SIEP_LOAD_DISTINCT_REPORTS=true` adds a
counter to every report URL, so that each one is built (the worst case)."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import shutil
import statistics
import time
from pathlib import Path

import httpx

from tests.resilience.serve import seeded_var_dir, start_serve, tree_memory_mb
from tests.support.browser import run_async

SECONDS = float(os.environ.get("SIEP_LOAD_SECONDS", "8"))
CLIENTS = int(os.environ.get("SIEP_LOAD_CLIENTS", "8"))
DISTINCT_REPORTS = os.environ.get("SIEP_LOAD_DISTINCT_REPORTS", "") == "true"
MEMORY_CEILING_MB = 1024
REPORT_FORMATS = ("pdf", "xlsx", "png")
LEVELS = ("departamento", "provincia", "oficina_regional")


def _light_url(rng: random.Random) -> str:
    south, west = rng.uniform(-18, -3), rng.uniform(-81, -71)
    kind = rng.randrange(4)
    if kind == 0:
        return "/health"
    if kind == 3:
        box = f"{south:.4f},{west:.4f},{south + 2:.4f},{west + 2:.4f},urn:ogc:def:crs:EPSG::4326"
        return (
            "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=siep:provincias&COUNT=50"
            f"&BBOX={box}"
        )
    if kind == 1:
        return f"/ogc/collections/provincias/items?bbox={west:.4f},{south:.4f},{west + 2:.4f},{south + 2:.4f}"
    box = f"{south:.4f},{west:.4f},{south + 1:.4f},{west + 1:.4f}"
    return (
        "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=provincias&STYLES=&CRS=EPSG:4326"
        f"&BBOX={box}&WIDTH=256&HEIGHT=256&FORMAT=image/png"
    )


def _report_url(rng: random.Random) -> str:
    url = (
        f"/api/v1/choropleth?indicator=population&level={rng.choice(LEVELS)}"
        f"&classes={rng.randint(2, 9)}&f={rng.choice(REPORT_FORMATS)}"
    )
    return f"{url}&n={next(_report_numbers)}" if DISTINCT_REPORTS else url


_report_numbers = itertools.count()


async def _client(base: str, light: bool, seed: int, until: float, out: dict[str, list]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < until:
            url = _light_url(rng) if light else _report_url(rng)
            started = time.perf_counter()
            response = await client.get(url)
            seconds = time.perf_counter() - started
            kind = "light" if light else "report"
            out[kind].append(seconds)
            if not light:
                out["report_urls"].append((url, response.status_code, started))
            if response.status_code >= 500 and response.status_code != 503:
                out["errors"].append(f"{response.status_code} {url}")
            if response.status_code == 503:
                out["busy"].append(url)


async def _warm_up(base: str) -> None:
    """One of each kind first, at once: feature tables, classifiers and report writers load
    once, and every map and report worker starts (a worker starts on its first job)."""
    rng = random.Random(0)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await asyncio.gather(*(client.get(_light_url(rng)) for _ in range(8)))
        await asyncio.gather(
            *(
                client.get(f"/api/v1/choropleth?indicator=population&level=departamento&f={fmt}")
                for fmt in REPORT_FORMATS
            )
        )


async def _sample_rss(pid: int, until: float, out: dict[str, list]) -> None:
    while time.monotonic() < until:
        rss, pss = tree_memory_mb(pid)
        out["rss_mb"].append(rss)
        out["pss_mb"].append(pss)
        await asyncio.sleep(0.5)


async def _run(base: str, pid: int) -> dict[str, list]:
    await _warm_up(base)
    out: dict[str, list] = {
        "light": [],
        "report": [],
        "report_urls": [],
        "errors": [],
        "busy": [],
        "rss_mb": [],
        "pss_mb": [],
    }
    until = time.monotonic() + SECONDS
    reports = max(1, CLIENTS // 3)
    clients = (_client(base, i >= reports, i, until, out) for i in range(CLIENTS))
    await asyncio.gather(_sample_rss(pid, until, out), *clients)
    return out


def _p(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _repeats(
    asked: list[tuple[str, int, float]], seconds: list[float]
) -> tuple[list[float], list[float]]:
    """Latencies of report requests sent before their URL was first answered 200 in the run
    (built, or waiting for that build), and of repeats sent after (the caches answer)."""
    answered: dict[str, float] = {}
    for (url, status, started), took in zip(asked, seconds, strict=True):
        if status == 200:
            answered[url] = min(answered.get(url, float("inf")), started + took)
    first, again = [], []
    for (url, _, started), took in zip(asked, seconds, strict=True):
        (again if started >= answered.get(url, float("inf")) else first).append(took)
    return first, again


def test_mixed_load_has_no_server_error_and_bounded_memory(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    store = os.environ.get("SIEP_LOAD_STORE")
    if store:
        var_dir.mkdir()
        shutil.copy(store, var_dir / "siep.sqlite")
    else:
        seeded_var_dir(var_dir)
    server = start_serve(var_dir, SIEP_SEED_ON_START="false")
    try:
        out = run_async(_run(server.base_url, server.process.pid))
    finally:
        server.stop()
    light, report = out["light"], out["report"]
    first, again = _repeats(out["report_urls"], report)
    print(
        f"\n{CLIENTS} clients x {SECONDS:g} s: light n={len(light)} p50={_p(light, 50) * 1000:.0f} ms "
        f"p99={_p(light, 99) * 1000:.0f} ms; reports n={len(report)} p50={_p(report, 50) * 1000:.0f} ms "
        f"p99={_p(report, 99) * 1000:.0f} ms (to build n={len(first)} p50={_p(first, 50) * 1000:.0f} ms p99={_p(first, 99) * 1000:.0f} ms; "
        f"repeats n={len(again)} p50={_p(again, 50) * 1000:.0f} ms p99={_p(again, 99) * 1000:.0f} ms); 503 busy={len(out['busy'])}; errors={len(out['errors'])}; "
        f"server and its workers: RSS max {max(out['rss_mb']):.0f} MB, "
        f"PSS max {max(out['pss_mb']):.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    assert out["errors"] == []
    assert len(light) > 20 and report  # a report takes seconds on a busy machine
    assert max(out["rss_mb"]) < MEMORY_CEILING_MB
    assert max(out["pss_mb"]) < MEMORY_CEILING_MB
