"""What each published layer must hold, read from the source files, never from the server:
feature count, features with a geometry and extent (lon/lat) per layer of layers/*.yaml, from
geodata/boundaries/*.geojson, geodata/boundaries/distritos.csv and geodata/establishments.csv.

Used by tests/ogc/test_shipped.py (GDAL, OWSLib) and scripts/qgis_check.py (QGIS, system
Python: standard library and PyYAML only).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
BOUNDARY_FILES = {
    "departamento": "departamentos",
    "provincia": "provincias",
    "distrito": "distritos",
    "oficina_regional": "oficinas_regionales",
}


@dataclass
class Expected:
    count: int
    geometries: int
    extent: tuple[float, float, float, float]


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    if coordinates and isinstance(coordinates[0], int | float):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates:
        yield from _positions(part)


def _bbox(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def expected_layers() -> dict[str, Expected]:
    """Count, geometries and extent of every published layer, read from the source files."""
    establishments = _rows(GEODATA / "establishments.csv")
    found: dict[str, Expected] = {}
    for path in sorted((ROOT / "layers").glob("*.yaml")):
        layer = yaml.safe_load(path.read_text(encoding="utf-8"))
        if layer["source"] == "establishments":
            rows = [r for r in establishments if r["kind"] == layer["kind"]]
            points = [(float(r["lon"]), float(r["lat"])) for r in rows if r["lon"] and r["lat"]]
            found[layer["id"]] = Expected(len(rows), len(points), _bbox(points))
            continue
        name = BOUNDARY_FILES[layer["level"]]
        features = json.loads(
            (GEODATA / "boundaries" / f"{name}.geojson").read_text(encoding="utf-8")
        )["features"]
        drawn = [f for f in features if f["geometry"]]
        extent = _bbox(p for f in drawn for p in _positions(f["geometry"]["coordinates"]))
        count = len(features)
        if layer["level"] == "distrito":  # places without INEI 2007 limits: null geometry
            count = len(_rows(GEODATA / "boundaries" / "distritos.csv"))
        found[layer["id"]] = Expected(count, len(drawn), extent)
    return found
