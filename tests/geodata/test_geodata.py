"""Checks of the shipped dataset in geodata/ (reads only geodata/ files)."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from app.codes import DIMENSIONS, OFICINA_REGIONAL_CODES
from tests.geodata.geometry import distance_m

G = Path(__file__).resolve().parents[2] / "geodata"
OBS = G / "observations"
ORS = list(OFICINA_REGIONAL_CODES)
DIMS = list(DIMENSIONS)


@pytest.fixture(scope="module")
def prov():
    return gpd.read_file(G / "boundaries" / "provincias.geojson")


@pytest.fixture(scope="module")
def dep():
    return gpd.read_file(G / "boundaries" / "departamentos.geojson")


@pytest.fixture(scope="module")
def est():
    return pd.read_csv(G / "establishments.csv", dtype={"ubigeo": str})


@pytest.fixture(scope="module")
def obs():
    frames = []
    for f in sorted(OBS.glob("*.csv")):
        d = pd.read_csv(f, dtype=str, keep_default_na=False)
        d["file"] = f.name
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def val(obs, file, **kw):
    d = obs[obs.file == file]
    for dim in DIMS:
        kw.setdefault(dim, "")
    for k, v in kw.items():
        d = d[d[k] == v]
    return d


def total(obs, file, **kw):
    d = val(obs, file, **kw)
    assert len(d) > 0, kw
    return int(sum(float(x) for x in d.value))


def one(obs, file, **kw):
    d = val(obs, file, **kw)
    assert len(d) == 1, (kw, len(d))
    return int(float(d.value.iloc[0]))


# ---------------------------------------------------------------- boundaries
def test_counts(prov, dep, est):
    assert len(dep) == 25 and dep.ubigeo.str.fullmatch(r"\d{2}").all()
    assert len(prov) == 196 and prov.ubigeo.str.fullmatch(r"\d{4}").all()
    assert (prov.ubigeo.str[:2] == prov.departamento).all()
    d = pd.read_csv(G / "boundaries" / "distritos.csv", dtype={"ubigeo": str, "provincia": str})
    assert 1880 <= len(d) <= 1900 and d.ubigeo.is_unique and d.ubigeo.str.fullmatch(r"\d{6}").all()
    assert set(d.provincia) == set(prov.ubigeo)
    ors = gpd.read_file(G / "boundaries" / "oficinas_regionales.geojson")
    assert sorted(ors.code) == sorted(ORS)
    assert (est.kind == "ep").sum() >= 69 and (est.kind == "eml").sum() >= 10


def test_names_have_accents(prov, dep):
    assert "Áncash" in set(dep.name) and "Junín" in set(dep.name)
    assert "Cañete" in set(prov.name)


def test_coverage_valid(prov, dep):
    assert shapely.coverage_is_valid(np.array(prov.geometry.values, dtype=object))
    assert shapely.coverage_is_valid(np.array(dep.geometry.values, dtype=object))
    assert prov.geometry.is_valid.all() and dep.geometry.is_valid.all()
    assert (prov.geometry.geom_type == "MultiPolygon").all()


def test_oficinas_partition(prov):
    ors = gpd.read_file(G / "boundaries" / "oficinas_regionales.geojson")
    seen = []
    for cov in ors["covers"]:
        for c in cov.split(";"):
            seen += [p for p in prov.ubigeo if (p[:2] == c if len(c) == 2 else p == c)]
    assert sorted(seen) == sorted(prov.ubigeo)  # every province in exactly one oficina
    assert shapely.coverage_is_valid(np.array(ors.geometry.values, dtype=object))


def test_establishments_inside_own_polygons(prov, dep, est):
    """Capital points lie in their province and departamento; an exact point from another
    source may lie up to 500 m outside them (the two sources' borders differ that much)."""
    pg = dict(zip(prov.ubigeo, prov.geometry, strict=False))
    dg = dict(zip(dep.ubigeo, dep.geometry, strict=False))
    for r in est.itertuples():
        pt = shapely.Point(r.lon, r.lat)
        tolerance = 500.0 if r.location_precision == "exact" else 0.0
        assert distance_m(pt, pg[r.ubigeo[:4]]) <= tolerance, r.code
        assert distance_m(pt, dg[r.ubigeo[:2]]) <= tolerance, r.code


def test_establishment_codes(est):
    assert est.code.is_unique
    assert est.code.str.fullmatch(r"(EP|EML)-[A-Z0-9-]+").all()
    assert (est.code.str.startswith("EP-") == (est.kind == "ep")).all()
    assert set(est.oficina_regional) <= set(ORS)
    assert est.location_precision.isin(
        ["exact", "district_capital", "province_capital", "department_capital"]
    ).all()
    assert est.population_served.fillna("").isin(["", "varones", "mujeres", "mixto"]).all()
    assert est.location_source.notna().all()
    d = pd.read_csv(G / "boundaries" / "distritos.csv", dtype={"ubigeo": str})
    assert set(est.ubigeo) <= set(d.ubigeo)


def test_establishment_region_matches_coverage(est):
    ors = gpd.read_file(G / "boundaries" / "oficinas_regionales.geojson")
    cov = {}
    for r in ors.itertuples():
        for c in r.covers.split(";"):
            cov[c] = r.code
    for r in est.itertuples():
        assert cov.get(r.ubigeo[:4], cov.get(r.ubigeo[:2])) == r.oficina_regional, r.code


# ---------------------------------------------------------------- observations: generic
def test_observation_rows(obs, est, prov, dep):
    d = pd.read_csv(G / "boundaries" / "distritos.csv", dtype={"ubigeo": str})
    places = {
        "national": {"PE"},
        "oficina_regional": set(ORS),
        "departamento": set(dep.ubigeo),
        "provincia": set(prov.ubigeo),
        "distrito": set(d.ubigeo),
        "establishment": set(est.code),
    }
    pol = set(pd.read_csv(G / "indicators_policy.csv").code)
    inds = {
        "population",
        "capacity",
        "tb_cases",
        "hiv_cases",
        "hiv_treated",
        "hiv_tb_coinfection",
        "medio_libre_population",
        "population_by_origin",
        "admissions",
        "releases",
        "work_participants",
        "education_participants",
        "establishment_count",
        "medio_libre_programme_participants",
        "medio_libre_job_placements",
        "medio_libre_trained",
        "inhabitants",
    } | pol
    assert set(obs.indicator) <= inds
    for pt, g in obs.groupby("place_type"):
        assert set(g.place_code) <= places[pt], pt
    assert obs.period.str.fullmatch(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?").all()
    assert (
        (obs.source_document != "").all()
        and (obs.source_locator != "").all()
        and (obs.source_table != "").all()
    )
    empty = obs.value == ""
    assert (obs[empty].note != "").all()
    pd.to_numeric(obs[~empty].value)  # all numeric
    assert obs.sex.isin(["", "M", "F"]).all()
    assert obs.legal_status.isin(["", "procesado", "sentenciado"]).all()
    assert obs.series.isin(["", "baseline", "expected", "obtained"]).all()


def test_no_duplicate_keys(obs):
    key = ["file", "indicator", "place_type", "place_code", "period"] + DIMS
    dup = obs[obs.duplicated(key, keep=False)]
    assert dup.empty, dup.head()


def test_datasets_yaml():
    meta = yaml.safe_load((G / "datasets.yaml").read_text())["datasets"]
    files = {m["file"] for m in meta}
    assert files == {f"observations/{f.name}" for f in OBS.glob("*.csv")}
    for m in meta:
        assert isinstance(m["load_order"], int) and m["title"] and m["source_document"]
    orders = {Path(m["file"]).name: m["load_order"] for m in meta}
    # 002's December 2024 national total (99,443) is shown over 000's 99,448
    assert orders["population_ep_2024_12.csv"] > orders["policy_report_2024_figures.csv"]


# ---------------------------------------------------------------- printed totals (002)
F_POP = "population_ep_2024_12.csv"


def test_population_dec_2024_totals(obs, est):
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    assert one(obs, F_POP, place_type="national") == 99443
    eps = val(obs, F_POP, place_type="establishment")
    assert len(eps) == 68
    ors = val(obs, F_POP, place_type="oficina_regional")
    assert sum(int(x) for x in ors.value) == 99443
    for orc in ORS:
        s = sum(int(v) for c, v in zip(eps.place_code, eps.value, strict=False) if ep_or[c] == orc)
        assert s == one(obs, F_POP, place_type="oficina_regional", place_code=orc), orc


@pytest.mark.parametrize("pt", ["national", "oficina_regional", "establishment"])
def test_population_regime_columns_add_up(obs, pt):
    d = obs[(obs.file == F_POP) & (obs.place_type == pt)]
    for _code, g in d.groupby("place_code"):
        v = {(r.regime, r.stage): int(r.value) for r in g.itertuples()}
        assert (
            v[("", "")]
            == v[("cerrado_ordinario", "")]
            + v[("cerrado_especial", "")]
            + v[("periodo_observacion", "")]
        )
        assert v[("cerrado_ordinario", "")] == sum(
            v[("cerrado_ordinario", s)]
            for s in ("maxima_seguridad", "mediana_seguridad", "minima_seguridad")
        )
        assert v[("cerrado_especial", "")] == sum(
            v[("cerrado_especial", s)] for s in ("etapa_a", "etapa_b", "etapa_c")
        )


def test_monthly_matches_dec_table(obs):
    f = "population_national_monthly_2024.csv"
    assert one(obs, f, period="2024-12") == 99443
    assert one(obs, f, period="2024-12", regime="cerrado_ordinario") == 85726
    assert one(obs, f, period="2024-12", regime="cerrado_especial") == 13209


def test_national_series(obs):
    f = "population_capacity_national_2013_2024.csv"
    d = val(obs, f, indicator="population")
    assert len(d) == 12 and one(obs, f, indicator="population", period="2024") == 99448
    assert one(obs, f, indicator="capacity", period="2024") == 41764
    # printed: "incrementado en un 47.1% (31,851)" and capacity "+10,312"
    assert (
        one(obs, f, indicator="population", period="2024")
        - one(obs, f, indicator="population", period="2013")
        == 31851
    )
    assert (
        one(obs, f, indicator="capacity", period="2024")
        - one(obs, f, indicator="capacity", period="2013")
        == 10312
    )
    # printed: sobrepoblación 57,684 = 99,448 - 41,764
    assert (
        one(obs, f, indicator="population", period="2024")
        - one(obs, f, indicator="capacity", period="2024")
        == 57684
    )


F_TB = "tb_cases_2024.csv"


def test_tb_totals(obs, est):
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    assert one(obs, F_TB, place_type="national", period="2024") == 4052
    for tt, v in (("sensible", 3508), ("resistente", 544), ("", 4052)):
        assert total(obs, F_TB, place_type="establishment", period="2024", tb_type=tt) == v
    eps = val(obs, F_TB, place_type="establishment", period="2024")
    for orc in ORS:
        s = sum(int(v) for c, v in zip(eps.place_code, eps.value, strict=False) if ep_or[c] == orc)
        assert s == one(obs, F_TB, place_type="oficina_regional", place_code=orc, period="2024"), (
            orc
        )
        q = sum(
            one(obs, F_TB, place_type="oficina_regional", place_code=orc, period=f"2024-Q{i}")
            for i in range(1, 5)
        )
        assert q == s, orc
    for i, v in enumerate((1415, 1012, 975, 650), 1):
        assert total(obs, F_TB, place_type="oficina_regional", period=f"2024-Q{i}") == v
        assert one(obs, F_TB, place_type="national", period=f"2024-Q{i}") == v


F_HIV = "hiv_2024.csv"


def test_hiv_totals(obs, est):
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    for ind, per, v in (
        ("hiv_cases", "2024-12", 1066),
        ("hiv_treated", "2024-12", 1040),
        ("hiv_tb_coinfection", "2024", 54),
    ):
        assert one(obs, F_HIV, indicator=ind, place_type="national", period=per) == v
        assert total(obs, F_HIV, indicator=ind, place_type="establishment", period=per) == v
    for ind in ("hiv_cases", "hiv_treated"):
        eps = val(obs, F_HIV, indicator=ind, place_type="establishment")
        assert total(obs, F_HIV, indicator=ind, place_type="oficina_regional") == (
            1066 if ind == "hiv_cases" else 1040
        )
        for orc in ORS:
            s = sum(
                int(v) for c, v in zip(eps.place_code, eps.value, strict=False) if ep_or[c] == orc
            )
            assert s == one(
                obs, F_HIV, indicator=ind, place_type="oficina_regional", place_code=orc
            ), (ind, orc)
    assert (
        one(obs, F_HIV, indicator="hiv_cases", place_type="oficina_regional", place_code="OR-LIMA")
        == 634
    )


# ---------------------------------------------------------------- reference tables
def test_regional_population_2018_07(obs):
    f = "ref_regional_population_2018_07.csv"
    for sex in ("", "M", "F"):
        for ls in ("", "procesado", "sentenciado"):
            nat = one(obs, f, place_type="national", sex=sex, legal_status=ls)
            assert total(obs, f, place_type="oficina_regional", sex=sex, legal_status=ls) == nat, (
                sex,
                ls,
            )
    for place in ["PE"] + ORS:
        d = obs[(obs.file == f) & (obs.place_code == place)]
        v = {(r.sex, r.legal_status): int(r.value) for r in d.itertuples()}
        assert (
            v[("", "")]
            == v[("M", "")] + v[("F", "")]
            == v[("", "procesado")] + v[("", "sentenciado")]
        )
        for ls in ("procesado", "sentenciado"):
            assert v[("", ls)] == v[("M", ls)] + v[("F", ls)]
    assert one(obs, f, place_type="national") == 88423


def test_ep_count_by_region(obs):
    f = "ref_ep_count_by_region.csv"
    for per in ("2014-02", "2016-09", "2018-04"):
        nat = one(obs, f, place_type="national", period=per)
        assert total(obs, f, place_type="oficina_regional", period=per) == nat
        for cat in ("tipo_d_1_199", "tipo_c_200_899", "tipo_b_900_1199", "tipo_a_1200_mas"):
            assert total(obs, f, place_type="oficina_regional", period=per, category=cat) == one(
                obs, f, place_type="national", period=per, category=cat
            )


def test_regional_summary_2014_count(obs):
    f = "ref_regional_summary_2014_02.csv"
    assert (
        total(obs, f, indicator="establishment_count", place_type="oficina_regional")
        == one(obs, f, indicator="establishment_count", place_type="national")
        == 67
    )


def test_policy_indicators():
    p = pd.read_csv(G / "indicators_policy.csv")
    assert p.code.is_unique and p.direction.isin(["up", "down"]).all()


# ---------------------------------------------------------------- 002 §4: work and education
F_WE = "work_education_2024.csv"


@pytest.mark.parametrize(
    "ind,printed,ors",
    [
        # oficina chart (002 lines 7211-7273), order Norte, Lima, Sur, Centro, Oriente,
        # Sur Oriente, Nor Oriente, Altiplano
        ("work_participants", 28101, [5690, 7902, 1789, 3777, 1618, 3409, 2327, 1589]),
        ("education_participants", 16387, [1644, 7716, 944, 1435, 1045, 1652, 1451, 500]),
    ],
)
def test_work_education_totals(obs, est, ind, printed, ors):
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    eps = val(obs, F_WE, indicator=ind, place_type="establishment", period="2024-12")
    assert len(eps) == 67 and eps.place_code.is_unique
    assert set(eps.place_code) <= set(est[est.kind == "ep"].code)
    assert sum(int(x) for x in eps.value) == printed
    assert one(obs, F_WE, indicator=ind, place_type="national", period="2024-12") == printed
    for orc, v in zip(ORS, ors, strict=True):
        assert one(obs, F_WE, indicator=ind, place_type="oficina_regional", place_code=orc) == v
        s = sum(int(x) for c, x in zip(eps.place_code, eps.value, strict=False) if ep_or[c] == orc)
        assert s == v, orc
    by_sex = total(obs, F_WE, indicator=ind, place_type="national", sex="M") + total(
        obs, F_WE, indicator=ind, place_type="national", sex="F"
    )
    assert by_sex == printed


def test_education_programmes_total(obs):
    d = obs[(obs.file == F_WE) & (obs.category != "")]
    assert set(d.category) == {"alfabetizacion", "pebaja", "cetpro", "pce", "ets", "superior"}
    assert sum(int(x) for x in d.value) == 16387  # 'Total de personas matriculados' (line 6270)


def test_work_monthly_series(obs):
    d = val(obs, F_WE, indicator="work_participants", place_type="national")
    months = dict(zip(d.period, d.value.astype(int), strict=False))
    assert months["2023-12"] == 27042 and months["2024-11"] == 27700 and months["2024-12"] == 28101
    assert len(months) == 13


# ---------------------------------------------------------------- 002 ch. VI: medio libre
F_ML = "medio_libre_programmes_2024.csv"
F_LAB = "medio_libre_labour_2024.csv"


def test_medio_libre_programmes(obs, est):
    d = obs[(obs.file == F_ML) & (obs.place_type == "national")]
    assert (d.groupby("programme").size() == 12).all() and len(d) == 84
    dec = d[d.period == "2024-12"].set_index("programme").value.astype(int)
    # 'Total de personas atendidas en los Programas de Medio Libre' = 1,313 (lines 9357-9405)
    structured = ["focos", "reto", "capas", "no_mas_problemas", "aree", "yupachay"]
    assert dec[structured].sum() == 1313
    assert (
        dec["focos"] == 513 and dec["capas"] == 437 and dec["talleres_multidisciplinarios"] == 437
    )
    e = obs[(obs.file == F_ML) & (obs.place_type == "establishment")]
    assert set(e.place_code) <= set(est[est.kind == "eml"].code)
    nat = d.set_index(["programme", "period"]).value.astype(int)
    for (prog, per), g in e.groupby(["programme", "period"]):
        assert g.value.astype(int).sum() <= nat[(prog, per)]
    # Yupachay: Yanahuara + Puno in December (16 + 10) within the 64 attended
    yu = e[(e.programme == "yupachay") & (e.period == "2024-12")]
    assert dict(zip(yu.place_code, yu.value.astype(int), strict=False)) == {
        "EML-YANAHUARA": 16,
        "EML-PUNO": 10,
    }
    # RETO December: the two E.M.L. make the national 12
    reto = e[(e.programme == "reto") & (e.period == "2024-12")]
    assert reto.value.astype(int).sum() == nat[("reto", "2024-12")] == 12


@pytest.mark.parametrize(
    "series,cat,printed",
    [
        ("expected", "nuevo", 76),
        ("expected", "seguimiento", 111),
        ("expected", "", 187),
        ("obtained", "nuevo", 39),
        ("obtained", "seguimiento", 98),
        ("obtained", "", 137),
    ],
)
def test_job_placements_totals(obs, est, series, cat, printed):
    kw = {"indicator": "medio_libre_job_placements", "series": series, "category": cat}
    e = val(obs, F_LAB, place_type="establishment", **kw)
    assert len(e) == 15 and set(e.place_code) <= set(est[est.kind == "eml"].code)
    assert sum(int(x) for x in e.value) == printed
    assert one(obs, F_LAB, place_type="national", **kw) == printed


def test_job_placements_rows_add_up(obs):
    e = obs[(obs.file == F_LAB) & (obs.indicator == "medio_libre_job_placements")]
    e = e[e.place_type == "establishment"]
    for (code, s), g in e.groupby(["place_code", "series"]):
        v = dict(zip(g.category, g.value.astype(int), strict=False))
        assert v["nuevo"] + v["seguimiento"] == v[""], (code, s)


def test_trained_totals(obs, est):
    printed = {
        "cursos_gestion": 97,
        "cursos_con_presupuesto": 55,
        "ceba": 31,
        "cetpro": 51,
        "talleres_orientacion_laboral": 259,
    }
    ep_or = dict(zip(est.code, est.oficina_regional, strict=False))
    for cat, v in printed.items():
        kw = {"indicator": "medio_libre_trained", "category": cat}
        e = val(obs, F_LAB, place_type="establishment", **kw)
        assert len(e) == 15 and sum(int(x) for x in e.value) == v, cat
        assert one(obs, F_LAB, place_type="national", **kw) == v
    # prose (lines 11962-11965): talleres de orientación laboral Norte 60, Lima 96, Sur 30,
    # Centro 25, Pucallpa 35 (oficina Oriente), Puno 13
    e = val(
        obs,
        F_LAB,
        place_type="establishment",
        indicator="medio_libre_trained",
        category="talleres_orientacion_laboral",
    )
    by_or = {}
    for c, x in zip(e.place_code, e.value.astype(int), strict=False):
        by_or[ep_or[c]] = by_or.get(ep_or[c], 0) + x
    assert by_or == {
        "OR-NORTE": 60,
        "OR-LIMA": 96,
        "OR-SUR": 30,
        "OR-CENTRO": 25,
        "OR-ORIENTE": 35,
        "OR-SURORIENTE": 0,
        "OR-ALTIPLANO": 13,
    }
