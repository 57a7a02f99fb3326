"""Drive wrk (a separate process, loopback only) and read its summary as numbers."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.processes import which

LUA = Path(__file__).resolve().parent / "lua"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


@dataclass(frozen=True)
class LoadSpec:
    threads: int = 1
    connections: int = 8
    duration_s: float = 10.0
    max_requests: int = 0  # 0: bounded by time only
    timeout_s: float = 10.0


def run_wrk(
    base_url: str,
    paths: Sequence[str],
    spec: LoadSpec,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """One wrk run: a fixed path when `paths` has one entry, else rotating through them."""
    wrk = which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    header_args = [f"{k}={v}" for k, v in (headers or {}).items()]
    duration = max(1, round(spec.duration_s))
    common = [
        wrk,
        f"-t{spec.threads}",
        f"-c{spec.connections}",
        f"-d{duration}s",
        f"--timeout={spec.timeout_s:g}s",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
        paths_file = handle.name
    try:
        if len(paths) == 1 and spec.max_requests == 0:
            argv = [*common, "-s", str(LUA / "fixed.lua"), base_url + paths[0], "--", *header_args]
        else:
            argv = [
                *common,
                "-s",
                str(LUA / "rotate.lua"),
                base_url,
                "--",
                paths_file,
                str(spec.max_requests),
                *header_args,
            ]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    finally:
        Path(paths_file).unlink(missing_ok=True)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            errors = sum(v for k, v in data.items() if k.startswith("errors_"))
            return LoadResult(
                requests=int(data["requests"]),
                duration_s=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors=int(errors),
            )
    raise RuntimeError(f"wrk gave no summary:\n{out.stdout}\n{out.stderr}")
