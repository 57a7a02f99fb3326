"""Medians of the runs, ratios to the ceiling and to each anchor, goals met or not; as a text
table for the terminal and as Markdown for bench/RESULTS.md."""

from __future__ import annotations

import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.scenarios import Scenario
from bench.wrk import LoadResult


@dataclass
class Row:
    scenario: str
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    runs: int
    is_lower_bound: bool = False
    x_ceiling: float | None = None
    vs: dict[str, float] = field(default_factory=dict)


@dataclass
class GoalCheck:
    scenario: str
    text: str
    ratio: float | None
    min_ratio: float
    is_met: bool | None


def median_row(scenario: str, server: str, results: list[LoadResult], bounds: list[bool]) -> Row:
    return Row(
        scenario,
        server,
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
        len(results),
        any(bounds),
    )


def build_rows(
    scenarios: list[Scenario],
    results: dict[tuple[str, str], list[LoadResult]],
    bounds: dict[tuple[str, str], list[bool]],
) -> tuple[list[Row], list[GoalCheck]]:
    rows: list[Row] = []
    checks: list[GoalCheck] = []

    def ceiling_of(key: str) -> float | None:
        found = results.get((key, "ceiling"))
        return statistics.median(r.rps for r in found) if found else None

    for scenario in scenarios:
        # the ceiling serving this scenario's own bytes; else the items ceiling
        ceiling_rps = ceiling_of(scenario.key) or ceiling_of("items_all")
        by_server: dict[str, Row] = {}
        for target in scenario.targets:
            key = (scenario.key, target.server)
            if key not in results or not results[key]:
                continue
            row = median_row(scenario.key, target.server, results[key], bounds.get(key, []))
            if ceiling_rps:
                row.x_ceiling = row.rps / ceiling_rps
            by_server[target.server] = row
            rows.append(row)
        ours = by_server.get("ours")
        if ours:
            for server, other in by_server.items():
                if server not in ("ours", "ceiling") and other.rps:
                    ours.vs[server] = ours.rps / other.rps
        for goal in scenario.goals:
            ratio = None
            if ours:
                ratio = ours.x_ceiling if goal.versus == "ceiling" else ours.vs.get(goal.versus)
            met = (
                None
                if ratio is None
                else (ratio >= goal.min_ratio and (ours.errors == 0 if ours else False))
            )
            checks.append(
                GoalCheck(
                    scenario.key,
                    f"ours >= {goal.min_ratio:g}x {goal.versus}",
                    ratio,
                    goal.min_ratio,
                    met,
                )
            )
    return rows, checks


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}x" if value < 10 else f"{value:.1f}x"


def _verdict(met: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "n/a"}[met]


def text_table(rows: list[Row], checks: list[GoalCheck], extras: list[tuple[str, str, str]]) -> str:
    head = f"{'scenario':<20} {'server':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'err':>5} {'x ceiling':>10}  ours vs anchor"
    lines = [head, "-" * len(head)]
    for r in rows:
        vs = ", ".join(f"{k} {_fmt_ratio(v)}" for k, v in r.vs.items())
        rps = f"{'>=' if r.is_lower_bound else ''}{r.rps:.1f}"
        lines.append(
            f"{r.scenario:<20} {r.server:<10} {rps:>9} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>5} {_fmt_ratio(r.x_ceiling):>10}  {vs}"
        )
    lines.append("")
    lines.append("goals:")
    for c in checks:
        lines.append(
            f"  [{_verdict(c.is_met)}] {c.scenario}: {c.text} (measured {_fmt_ratio(c.ratio)})"
        )
    for name, value, verdict in extras:
        lines.append(f"  [{verdict}] {name}: {value}")
    return "\n".join(lines)


def markdown(
    rows: list[Row],
    checks: list[GoalCheck],
    extras: list[tuple[str, str, str]],
    meta: dict[str, str],
    titles: dict[str, str],
) -> str:
    out = ["| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in meta.items()]
    out += [
        "",
        "| scenario | server | req/s | p50 ms | p99 ms | errors | × ceiling | ours ÷ anchor |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        vs = ", ".join(f"{k} {_fmt_ratio(v)}" for k, v in r.vs.items())
        rps = f"{'≥' if r.is_lower_bound else ''}{r.rps:.1f}"
        out.append(
            f"| {r.scenario} | {r.server} | {rps} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | {_fmt_ratio(r.x_ceiling)} | {vs} |"
        )
    out += ["", "| goal | measured | verdict |", "|---|---:|---|"]
    out += [
        f"| {c.scenario}: {c.text} | {_fmt_ratio(c.ratio)} | {_verdict(c.is_met)} |" for c in checks
    ]
    out += [f"| {name} | {value} | {verdict} |" for name, value, verdict in extras]
    out += ["", "Scenarios:", ""]
    out += [f"- `{k}`: {v}" for k, v in titles.items()]
    return "\n".join(out)


def machine_meta(profile: str, note: str) -> dict[str, str]:
    def sh(*argv: str) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            return (done.stdout or done.stderr).strip()
        except OSError:
            return "?"

    cpu = "?"
    mem = "?"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(row for row in meminfo if row.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "?"
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": sh("git", "rev-parse", "HEAD")
        + (" (+ uncommitted changes)" if sh("git", "status", "--porcelain", "--", "app") else ""),
        "machine": f"{sh('nproc')} cores, {cpu}, {mem} RAM, {platform.platform()}",
        "load average at start": load,
        "profile": profile,
        "load generator": (sh("wrk", "-v").splitlines() or ["wrk"])[0].split(" Copyright")[0]
        + " (one thread, 8 connections, separate process, loopback)",
        "note": note,
    }
