"""Load places (boundaries, oficinas regionales, establishments) and indicator declarations.

Reads the shipped layout of geodata/ (docs/data-format.md) and upserts in one transaction.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, shape
from sqlalchemy import Connection, Engine, delete, insert, select, update

from app.codes import ESTABLISHMENT_CODE_RE, ESTABLISHMENT_KINDS, LOCATION_PRECISIONS
from app.errors import LoadError
from app.sources import read_documents
from app.store.models import (
    AdminUnit,
    Establishment,
    IndicatorRow,
    OficinaRegional,
    OficinaRegionalUnit,
)
from app.store.version import bump_version


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    return MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom


def _point(lon: str, lat: str) -> Point | None:
    if lon in ("", None) or lat in ("", None):
        return None
    return Point(float(lon), float(lat))


def _features(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        yield from json.load(handle)["features"]


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            yield number, {k: (v or "").strip() for k, v in row.items()}


def unit_rows(boundaries: Path) -> list[dict[str, Any]]:
    """Departamentos and provincias (polygons) and distritos (capital points, and polygons
    where `distritos.geojson` has one)."""
    rows: list[dict[str, Any]] = []
    for level, filename in (("departamento", "departamentos"), ("provincia", "provincias")):
        for feature in _features(boundaries / f"{filename}.geojson"):
            props = feature["properties"]
            rows.append(
                {
                    "ubigeo": props["ubigeo"],
                    "level": level,
                    "name": props["name"],
                    "parent_ubigeo": props.get("departamento") if level == "provincia" else None,
                    "geom": _multi(shape(feature["geometry"])),
                    "capital_name": props.get("capital_name"),
                    "capital": _point(props.get("capital_lon", ""), props.get("capital_lat", "")),
                    "area_km2": props.get("area_km2"),
                    "source": props.get("source", ""),
                }
            )
    districts = boundaries / "distritos.csv"
    polygons = _district_polygons(boundaries / "distritos.geojson")
    if districts.exists():
        for _, row in _csv_rows(districts):
            polygon = polygons.get(row["ubigeo"], {})
            source = "; ".join(
                filter(None, (row.get("source", ""), polygon.get("source"), row.get("limits_note")))
            )
            rows.append(
                {
                    "ubigeo": row["ubigeo"],
                    "level": "distrito",
                    "name": row["name"],
                    "parent_ubigeo": row["provincia"],
                    "geom": polygon.get("geom"),
                    "capital_name": row.get("capital_name") or row["name"],
                    "capital": _point(row.get("capital_lon", ""), row.get("capital_lat", "")),
                    "area_km2": polygon.get("area_km2"),
                    "source": source,
                }
            )
    return rows


def _district_polygons(path: Path) -> dict[str, dict[str, Any]]:
    """District polygons by UBIGEO (a district without one keeps only its capital point)."""
    if not path.exists():
        return {}
    return {
        str(f["properties"]["ubigeo"]): {
            "geom": _multi(shape(f["geometry"])),
            "area_km2": f["properties"].get("area_km2"),
            "source": f["properties"].get("source", ""),
        }
        for f in _features(path)
    }


def region_rows(boundaries: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    regions, members = [], []
    for feature in _features(boundaries / "oficinas_regionales.geojson"):
        props = feature["properties"]
        regions.append(
            {
                "code": props["code"],
                "name": props["name"],
                "seat": props.get("seat", ""),
                "geom": _multi(shape(feature["geometry"])),
                "source": props.get("source", ""),
            }
        )
        for ubigeo in filter(None, (props.get("covers") or "").split(";")):
            members.append({"oficina_regional": props["code"], "ubigeo": ubigeo.strip()})
    return regions, members


def establishment_rows(
    path: Path, known_units: set[str], regions: set[str]
) -> list[dict[str, Any]]:
    rows = []
    documents = read_documents(path.parent)
    for number, row in _csv_rows(path):
        if not ESTABLISHMENT_CODE_RE.match(row["code"]):
            raise LoadError("code must look like EP-NAME or EML-NAME", number, "code")
        if row["kind"] not in ESTABLISHMENT_KINDS:
            raise LoadError(f"kind must be one of {', '.join(ESTABLISHMENT_KINDS)}", number, "kind")
        if row["oficina_regional"] not in regions:
            raise LoadError("unknown oficina regional", number, "oficina_regional")
        if row["ubigeo"] and row["ubigeo"] not in known_units:
            raise LoadError(f"unknown UBIGEO '{row['ubigeo']}'", number, "ubigeo")
        if row["location_precision"] not in LOCATION_PRECISIONS:
            raise LoadError(
                f"location_precision must be one of {', '.join(LOCATION_PRECISIONS)}",
                number,
                "location_precision",
            )
        document = documents.get(row.get("source_document", ""))
        cited = document.reference if document else row.get("source_document")
        source = "; ".join(filter(None, (cited, row.get("source_locator"))))
        rows.append(
            {
                "code": row["code"],
                "name": row["name"],
                "kind": row["kind"],
                "oficina_regional": row["oficina_regional"],
                "ubigeo": row["ubigeo"] or None,
                "geom": _point(row.get("lon", ""), row.get("lat", "")),
                "location_precision": row["location_precision"],
                "location_source": row.get("location_source", ""),
                "population_served": row.get("population_served") or None,
                "source": source,
            }
        )
    return rows


def policy_indicator_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for _, row in _csv_rows(path):
        description = row.get("objective", "")
        if row.get("direction"):
            description += f" (mejor si {'sube' if row['direction'] == 'up' else 'baja'})"
        rows.append(
            {
                "code": row["code"],
                "label_es": row["label_es"],
                "label_en": row.get("label_en") or row["label_es"],
                "unit": row.get("unit", ""),
                "aggregation": "none",
                "numerator": None,
                "denominator": None,
                "is_sensitive": False,
                "group": "politica",
                "description": description,
            }
        )
    return rows


def _replace_all(conn: Connection, table: type, rows: Iterable[dict[str, Any]]) -> None:
    conn.execute(delete(table))
    rows = list(rows)
    if rows:
        conn.execute(insert(table), rows)


def load_places(engine: Engine, data_dir: Path, indicators: list[dict[str, Any]]) -> int:
    """Replace places and indicator declarations from `data_dir` in one transaction.

    Observations are untouched: they refer to places by code. Returns the new data version.
    """
    with engine.begin() as conn:
        write_places(conn, data_dir, indicators)
        return bump_version(conn)


def write_places(conn: Connection, data_dir: Path, indicators: list[dict[str, Any]]) -> None:
    """The body of `load_places` inside the caller's transaction."""
    boundaries = data_dir / "boundaries"
    units = unit_rows(boundaries)
    regions, members = region_rows(boundaries)
    policy = data_dir / "indicators_policy.csv"
    all_indicators = indicators + (policy_indicator_rows(policy) if policy.exists() else [])
    conn.execute(delete(Establishment))
    conn.execute(delete(OficinaRegionalUnit))
    conn.execute(delete(OficinaRegional))
    # Children first: distritos -> provincias -> departamentos (self-referencing FK).
    for level in ("distrito", "provincia", "departamento"):
        conn.execute(delete(AdminUnit).where(AdminUnit.level == level))
    for level in ("departamento", "provincia", "distrito"):
        batch = [u for u in units if u["level"] == level]
        if batch:
            conn.execute(insert(AdminUnit), batch)
    _replace_all(conn, OficinaRegional, regions)
    _replace_all(conn, OficinaRegionalUnit, members)
    known = set(conn.scalars(select(AdminUnit.ubigeo)))
    region_codes = {r["code"] for r in regions}
    _replace_all(
        conn,
        Establishment,
        establishment_rows(data_dir / "establishments.csv", known, region_codes),
    )
    _upsert_indicators(conn, all_indicators)


def _upsert_indicators(conn: Connection, rows: list[dict[str, Any]]) -> None:
    existing = set(conn.scalars(select(IndicatorRow.code)))
    for row in rows:
        if row["code"] in existing:
            conn.execute(update(IndicatorRow).where(IndicatorRow.code == row["code"]).values(**row))
        else:
            conn.execute(insert(IndicatorRow), [row])
