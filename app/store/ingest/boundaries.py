"""Import official boundary polygons (INEI shapefile, GeoPackage, GeoJSON) for existing units."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine, select, update

from app.codes import UNIT_LEVELS
from app.errors import LoadError
from app.store.models import AdminUnit
from app.store.version import bump_version

AREA_CRS = "EPSG:6933"  # equal-area, for km²


@dataclass(frozen=True)
class ImportResult:
    updated: int
    unknown_codes: list[str]
    data_version: int


def read_unit_polygons(path: Path, level: str, code_field: str) -> gpd.GeoDataFrame:
    """Read any OGR source, keyed by the UBIGEO in `code_field`, reprojected to EPSG:4326."""
    if level not in UNIT_LEVELS:
        raise LoadError(f"level must be one of {', '.join(UNIT_LEVELS)}")
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure means an unreadable file
        raise LoadError(f"cannot read {path.name} as a vector file: {exc}") from exc
    if code_field not in frame.columns:
        raise LoadError(
            f"no field '{code_field}'; fields are: {', '.join(map(str, frame.columns))}",
            column=code_field,
        )
    if frame.crs is None:
        raise LoadError("the file has no coordinate reference system (.prj missing?)")
    frame = frame.to_crs("EPSG:4326")
    digits = UNIT_LEVELS[level]
    codes = frame[code_field].astype(str).str.strip().str.zfill(digits)
    for position, (code, geom) in enumerate(zip(codes, frame.geometry, strict=True)):
        row = position + 1
        if len(code) != digits or not code.isdigit():
            raise LoadError(f"'{code}' is not a {digits}-digit UBIGEO", row=row, column=code_field)
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise LoadError("geometry is not a polygon", row=row, column="geometry")
    frame["ubigeo"] = codes
    if codes.duplicated().any():
        dup = codes[codes.duplicated()].iloc[0]
        raise LoadError(f"UBIGEO '{dup}' appears more than once", column=code_field)
    return frame


def import_unit_polygons(engine: Engine, path: Path, level: str, code_field: str) -> ImportResult:
    """Replace the polygons (and areas) of the units found in the file; all or nothing."""
    frame = read_unit_polygons(path, level, code_field)
    areas = frame.to_crs(AREA_CRS).area / 1e6
    with engine.begin() as conn:
        known = set(conn.scalars(select(AdminUnit.ubigeo).where(AdminUnit.level == level)))
        unknown = sorted(set(frame["ubigeo"]) - known)
        updated = 0
        for code, geom, area in zip(frame["ubigeo"], frame.geometry, areas, strict=True):
            if code not in known:
                continue
            geom = shapely.make_valid(geom)
            multi = (
                geom
                if geom.geom_type == "MultiPolygon"
                else MultiPolygon(
                    [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
                )
            )
            conn.execute(
                update(AdminUnit)
                .where(AdminUnit.ubigeo == code)
                .values(
                    geom=multi, area_km2=round(float(area), 3), source=f"imported from {path.name}"
                )
            )
            updated += 1
        if not updated:
            raise LoadError(f"no {level} in the file matches a UBIGEO in the store")
        version = bump_version(conn)
    return ImportResult(updated, unknown, version)
