"""The `siep` command as users run it: a real subprocess on an embedded store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from tests.conftest import FIXTURE_DATA

SIEP = [sys.executable, "-m", "app.cli"]


def siep(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SIEP, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "SIEP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "SIEP_DATA_DIR": str(FIXTURE_DATA),
    }
    assert siep(values, "seed").returncode == 0
    return values


def test_load_then_info_shows_new_version(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "enero.csv"
    good.write_text(
        "indicator,place_type,place_code,period,value,source_locator\n"
        "population,establishment,EP-CALLAO,2025-01,3001,p. 1\n",
        encoding="utf-8",
    )
    result = siep(env, "load", str(good), "--title", "Enero 2025")
    assert result.returncode == 0, result.stderr
    assert "loaded 1 rows" in result.stdout
    info = siep(env, "info").stdout
    assert "backend: sqlite" in info
    assert "datasets: 2" in info


def test_bad_file_exits_non_zero_naming_row_and_column(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "malo.csv"
    bad.write_text(
        "indicator,place_type,place_code,period,value\n"
        "population,establishment,EP-CALLAO,2025-01,3001\n"
        "population,establishment,EP-CALLAO,enero,3001\n",
        encoding="utf-8",
    )
    before = siep(env, "info").stdout
    result = siep(env, "load", str(bad), "--title", "Malo")
    assert result.returncode == 2
    assert "row 3, column 'period'" in result.stderr
    assert siep(env, "info").stdout == before


def test_import_official_district_polygons(env: dict[str, str], tmp_path: Path) -> None:
    shapefile = tmp_path / "distritos.shp"
    frame = gpd.GeoDataFrame(
        {"UBIGEO": ["150132", "999999"]},
        geometry=[
            Polygon([(-77.0, -12.0), (-76.9, -12.0), (-76.9, -11.9), (-77.0, -11.9)]),
            Polygon([(-70, -10), (-69, -10), (-69, -9), (-70, -10)]),
        ],
        crs="EPSG:4326",
    ).to_crs("EPSG:32718")
    frame.to_file(shapefile)
    result = siep(env, "geodata", "import", str(shapefile), "--level", "distrito")
    assert result.returncode == 0, result.stderr
    assert "1 distrito polygons imported" in result.stdout
    assert "999999" in result.stdout

    missing_field = siep(env, "geodata", "import", str(shapefile), "--code-field", "CODIGO")
    assert missing_field.returncode == 2
    assert "no field 'CODIGO'" in missing_field.stderr


def on_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run `siep` with its stdout and stderr on a pseudo-terminal, as a user at a shell."""
    import fcntl
    import pty
    import struct
    import termios

    main, secondary = pty.openpty()
    # 24 rows x 100 columns: a new pseudo-terminal has no size until one is set.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [*SIEP, *args], env={**os.environ, **env}, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    return process.wait(timeout=120), output.decode(errors="replace")


def test_load_draws_progress_bars_on_a_terminal_only(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "marzo.csv"
    good.write_text(
        "indicator,place_type,place_code,period,value\n"
        "population,establishment,EP-CALLAO,2025-03,3001\n"
        "population,establishment,EP-LURIGANCHO,2025-03,9001\n",
        encoding="utf-8",
    )
    code, shown = on_terminal(env, "load", str(good), "--title", "Marzo 2025")
    assert code == 0, shown
    assert "checking: 100%" in shown and "writing: 100%" in shown and "rows/s" in shown
    assert "loaded 2 rows" in shown
    piped = siep(env, "load", str(good), "--title", "Marzo 2025", "--name", "marzo-2")
    assert piped.returncode == 0, piped.stderr
    assert "loaded 2 rows" in piped.stdout
    assert "checking" not in piped.stderr + piped.stdout and "%|" not in piped.stderr
