"""The repository names no folder of a development machine: the geodata build takes the
folder of source documents as an argument (default ../shared beside the repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINE_PATH = "/" + "work" + "/"  # spelled apart so that this file does not match itself


def test_no_absolute_machine_path_in_the_repository() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    offenders = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if path.is_file() and MACHINE_PATH.encode() in path.read_bytes():
            offenders.append(name.decode())
    assert not offenders
