"""Treatment figures of 002 (INPE Informe Estadístico de Tratamiento Penitenciario 2024).

* §4.4 work and education per E.P. / oficina regional / national (+ sex, national monthly work);
  §4.1 national enrolment by education programme.
* Chapter VI medio libre: national monthly attendance per programme, the E.M.L. rows that the
  text extraction prints unambiguously, labour insertion and training per E.M.L.

Every figure is read from fixed line numbers of the seed and checked here against the totals
printed next to it (the build stops otherwise). Tables or parts of tables whose rows cannot be
attributed with certainty are NOT read (listed in geodata/README.md, "Known gaps").
"""

from __future__ import annotations

import re

S002 = "seeds/002_923ca1ca7948ee01.txt"
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
ORDER_OR = [  # label order of the oficina chart (002 lines 7211-7225)
    "OR-NORTE",
    "OR-LIMA",
    "OR-SUR",
    "OR-CENTRO",
    "OR-ORIENTE",
    "OR-SURORIENTE",
    "OR-NORORIENTE",
    "OR-ALTIPLANO",
]


def _num(s: str) -> int:
    return int(s.replace(",", "").replace(" ", ""))


def _nums(L, a: int, b: int) -> list[int]:
    """All integers on seed lines a..b (1-based, inclusive), in text order."""
    out = []
    for i in range(a - 1, b):
        out += [_num(x) for x in re.findall(r"\d[\d,]*", L[i])]
    return out


def _col(L, a: int, b: int) -> list[int]:
    """One number per non-empty line a..b (a column printed one value per line)."""
    out = []
    for i in range(a - 1, b):
        s = L[i].strip()
        if s:
            assert re.fullmatch(r"\d+", s), (i + 1, s)
            out.append(int(s))
    return out


# ----------------------------------------------------------------------------- work & education
# names of the §4.4 table that differ from the Dec-2024 population table (judgement, in README)
WE_ALIAS = {
    "E.P. Piura": "EP-PIURA",
    "E.P. Mujeres de Trujillo": "EP-MUJERES-TRUJILLO",
    "E.P. de Jaén": "EP-JAEN",
    "E.P. del Callao": "EP-CALLAO",
    "E.P. Miguel Castro Castro": "EP-MIGUEL-CASTRO-CASTRO",
    # 'Ancón' next to 'Modelo Ancón II': the other Ancón E.P. of 2024 is Ancón I
    "E.P. de Ancón": "EP-ANCON-I",
    "E.P. Modelo Ancón II - S.M.V.C.": "EP-ANCON-II",
    "E.P. Mujeres de Arequipa": "EP-MUJERES-DE-AREQUIPA",
    "E.P. Camaná": "EP-CAMANA",
    "E.P. Mujeres de Tacna": "EP-MUJERES-DE-TACNA",
    "E.P. Mujeres de Concepción": "EP-MUJERES-DE-CONCEPCION",
    # the only Jauja E.P. of 2024 (population table: 'E.P. de Mujeres de Jauja')
    "E.P. de Jauja": "EP-MUJERES-DE-JAUJA",
    "E.P. de Río Negro": "EP-RIO-NEGRO",
    "E.P. de Cerro Pasco": "EP-CERRO-DE-PASCO",
    "E.P. Mujeres del cusco": "EP-MUJERES-DE-CUSCO",
    "E.P. Sicuani": "EP-SICUANI",
    "E.P. Quillabamba": "EP-QUILLABAMBA",
    "E.P. de Pto. Maldonado": "EP-PUERTO-MALDONADO",
    "E.P. de Sananguillo": "EP-PAMPAS-DE-SANANGUILLO",
    "E.P. Mujeres de Iquitos": "EP-MUJERES-DE-IQUITOS",
    "E.P. Juliaca": "EP-JULIACA",
}

T_WE_EP = (
    "Población Penitenciaria inscritos en trabajo y matriculados en educación según "
    "Oficinas Regionales y Establecimientos Penitenciarios, periodo 2024"
)
T_WE_OR = "Población Penitenciaria inscritas en trabajo y matriculados educación según Oficinas Regionales, diciembre 2024"
T_WE_SEX = "Población Penitenciaria inscrita en trabajo y matriculados en educación según sexo, periodo 2024"
T_WE_MONTH = "Comportamiento de la Población Penitenciaria inscrita en trabajo y matriculada en educación, periodo 2024"
T_EDU = "Total de personas matriculados en educación, periodo 2024 (§4.1 Educación penitenciaria)"


def work_education(obs, L, ep_by_name, ep_or):
    f = "work_education_2024.csv"
    # national totals printed above the per-E.P. table (line 7390) and in the prose
    tot_w, tot_e = _nums(L, 7390, 7390)
    assert (tot_w, tot_e) == (28101, 16387)
    rows = []
    for i in range(7390, 7466):  # lines 7391-7466
        m = re.match(r"^(.*?)(E\.P\..*?) ([\d,]+) ([\d,]+)$", L[i].strip())
        if not m:
            continue
        name = m.group(2).strip()
        code = ep_by_name.get(name) or WE_ALIAS[name]
        rows.append((code, _num(m.group(3)), _num(m.group(4)), i + 1))
    codes = [r[0] for r in rows]
    assert len(rows) == 67 and len(set(codes)) == 67, len(rows)
    assert sum(r[1] for r in rows) == tot_w and sum(r[2] for r in rows) == tot_e
    for code, w, e, ln in rows:
        for ind, v in (("work_participants", w), ("education_participants", e)):
            obs.add(f, ind, "establishment", code, "2024-12", v, S002, T_WE_EP, f"line {ln}")
    for ind, v in (("work_participants", tot_w), ("education_participants", tot_e)):
        obs.add(f, ind, "national", "PE", "2024-12", v, S002, T_WE_EP, "line 7390")
    # oficina chart: columns población (7227-7241), trabajo (7243-7257), educación (7259-7273),
    # estudia y trabaja = trabajo + educación (7275-7289); rows in label order (7211-7225)
    work_or = [_num(x) for x in _raw_col(L, 7243, 7257)]
    edu_or = [_num(x) for x in _raw_col(L, 7259, 7273)]
    both = [_num(x) for x in _raw_col(L, 7275, 7289)]
    assert len(work_or) == len(edu_or) == len(both) == 8
    assert [a + b for a, b in zip(work_or, edu_or, strict=True)] == both
    for k, orc in enumerate(ORDER_OR):
        s_w = sum(r[1] for r in rows if ep_or[r[0]] == orc)
        s_e = sum(r[2] for r in rows if ep_or[r[0]] == orc)
        assert (s_w, s_e) == (work_or[k], edu_or[k]), (orc, s_w, s_e, work_or[k], edu_or[k])
        obs.add(
            f,
            "work_participants",
            "oficina_regional",
            orc,
            "2024-12",
            work_or[k],
            S002,
            T_WE_OR,
            f"lines {7211 + 2 * k}, {7243 + 2 * k}",
        )
        obs.add(
            f,
            "education_participants",
            "oficina_regional",
            orc,
            "2024-12",
            edu_or[k],
            S002,
            T_WE_OR,
            f"lines {7211 + 2 * k}, {7259 + 2 * k}",
        )
    # by sex (prose 7042-7051, same figures in the sex chart lines 7014-7021)
    sx = {
        ("work_participants", "M"): (25852, "lines 7042-7043"),
        ("work_participants", "F"): (2249, "lines 7042-7043"),
        ("education_participants", "M"): (14642, "lines 7050-7051"),
        ("education_participants", "F"): (1745, "lines 7050-7051"),
    }
    txt = " ".join(L[7041:7051])
    for (ind, s), (v, loc) in sx.items():
        assert f"{v:,}" in txt, v
        obs.add(f, ind, "national", "PE", "2024-12", v, S002, T_WE_SEX, loc, sex=s)
    assert 25852 + 2249 == tot_w and 14642 + 1745 == tot_e
    # national monthly work series DIC.2023 .. DIC.2024 (chart, lines 7068 / 7070)
    labels = L[7069].split()
    vals = _nums(L, 7068, 7068)
    assert labels[0] == "DIC.2023" and labels[-1] == "DIC.2024" and len(vals) == len(labels) == 13
    assert vals[-1] == tot_w
    periods = ["2023-12"] + MONTHS
    for p, v in zip(periods, vals, strict=True):
        if p == "2024-12":
            continue  # already stored from the per-E.P. table (same figure)
        obs.add(
            f, "work_participants", "national", "PE", p, v, S002, T_WE_MONTH, "lines 7068, 7070"
        )
    # national enrolment by programme (§4.1, lines 6259-6299 and the prose of each programme)
    edu = [
        ("alfabetizacion", 446, "lines 6259, 6320-6323"),
        ("pebaja", 7518, "lines 6261, 6403-6408"),
        ("cetpro", 7560, "lines 6263, 6479-6481"),
        ("pce", 659, "lines 6265, 6596, 6611-6612"),
        ("ets", 93, "lines 6268, 6609, 6630-6631"),
        ("superior", 111, "lines 6299, 6628, 6634-6635"),
    ]
    assert sum(v for _, v, _ in edu) == _nums(L, 6270, 6270)[0] == tot_e
    for cat, v, loc in edu:
        obs.add(
            f,
            "education_participants",
            "national",
            "PE",
            "2024-12",
            v,
            S002,
            T_EDU,
            loc,
            category=cat,
        )
    obs.dataset(
        f,
        "Internos inscritos en trabajo y matriculados en educación, por E.P., oficina regional y sexo, 2024",
        S002,
        T_WE_EP,
        "INPE Informe Estadístico de Tratamiento Penitenciario 2024, §4.1 and §4.4: persons enrolled in "
        "work and in education at the close of 2024 (period 2024-12) per E.P., oficina regional (chart) "
        "and sex; national monthly work series Dec-2023..Nov-2024; national enrolment by education "
        "programme (category: alfabetizacion, pebaja, cetpro, pce, ets, superior). Verified: E.P. sums = "
        "oficina figures; oficinas = 28,101 / 16,387; sexes and programmes add up.",
        35,
    )


def _raw_col(L, a, b):
    out = []
    for i in range(a - 1, b):
        s = L[i].strip()
        if s:
            assert re.fullmatch(r"\d[\d,]*", s), (i + 1, s)
            out.append(s)
    return out


# ----------------------------------------------------------------------------- medio libre
# National monthly attendance per programme: the chart series "N° de atendidos" ENE-24..DIC-24
# (month labels printed under it) and the TOTAL row of the per-E.M.L. table, which must agree.
PROG = {
    # programme: (chart lines, TOTAL-row lines or None, table title, TOTAL-row note)
    "focos": ((9828, 9832), (9538, 9551), "PROGRAMA FOCOS", 9836),
    "reto": ((10028, 10044), (10119, 10132), "PROGRAMA RETO", 10051),
    "capas": ((10271, 10274), (10292, 10306), "PROGRAMA CAPAS", 10278),
    "no_mas_problemas": ((10796, 10803), (10699, 10712), "PROGRAMA “NO MAS PROBLEMAS”", 10807),
    "aree": ((11022, 11027), (11050, 11063), "PROGRAMA AREE", 11031),
    "yupachay": ((11431, 11440), (11310, 11323), "PROGRAMA YUPACHAY", 11442),
    "talleres_multidisciplinarios": (
        (11653, 11662),
        (11516, 11529),
        "TALLERES DE INTERVENCIÓN MULTIDISCIPLINARIOS - TIM",
        11664,
    ),
}
T_ML = "Comportamiento de la población atendida en el {p}: enero - diciembre, periodo 2024 (N° de atendidos)"
T_ML_EML = (
    "Población intervenida en el {p}, por establecimientos de medio libre, enero - diciembre 2024"
)


def medio_libre(obs, L):
    f = "medio_libre_programmes_2024.csv"
    ind = "medio_libre_programme_participants"
    totals = {}
    for prog, ((ca, cb), (ta, tb), title, mline) in PROG.items():
        assert L[mline - 1].split()[0] == "ENE-24" and L[mline - 1].split()[-1] == "DIC-24"
        chart = _nums(L, ca, cb)
        assert len(chart) == 12, (prog, chart)
        row = _nums(L, ta, ta) + _nums(L, tb, tb)
        if prog == "capas":
            # the TOTAL row lacks June (11 values); the chart prints it (508, also line 10608)
            assert row == chart[:5] + chart[6:], (prog, row)
        else:
            assert row == chart, (prog, row, chart)
        totals[prog] = chart
        for p, v in zip(MONTHS, chart, strict=True):
            obs.add(
                f,
                ind,
                "national",
                "PE",
                p,
                v,
                S002,
                T_ML.format(p=title),
                f"lines {ca}-{cb}, {mline} (chart); lines {ta}, {tb} (TOTAL row)",
                programme=prog,
            )
    # 6.1 'Total de personas atendidas en los Programas de Medio Libre' (lines 9357-9405):
    # 1,313 persons = the December figure of the six structured programmes (TIM not included)
    dec = {
        "focos": 513,
        "reto": 12,
        "capas": 437,
        "no_mas_problemas": 179,
        "aree": 108,
        "yupachay": 64,
    }
    assert sum(dec.values()) == 1313 and _nums(L, 9386, 9386) == [1313]
    for k, v in dec.items():
        assert totals[k][-1] == v, k

    # E.M.L. rows printed unambiguously: the label on the same line as its twelve values, or the
    # only label directly above one complete line of twelve values.
    eml_rows = [
        ("aree", "EML-YANAHUARA", 11194, 11194, "PROGRAMA “AREE”"),
        ("yupachay", "EML-YANAHUARA", 11393, 11393, "PROGRAMA “YUPACHAY”"),
        ("yupachay", "EML-PUNO", 11394, 11394, "PROGRAMA “YUPACHAY”"),
        ("capas", "EML-PUNO", 10620, 10622, "PROGRAMA CAPAS"),
        ("no_mas_problemas", "EML-TUMBES", 10809, 10811, "PROGRAMA “NO MAS PROBLEMAS”"),
    ]
    label = {"EML-YANAHUARA": "Yanahuara", "EML-PUNO": "Puno", "EML-TUMBES": "Tumbes"}
    for prog, code, la, lb, title in eml_rows:
        assert L[la - 1].strip().startswith(label[code]), (la, L[la - 1])
        vals = _nums(L, lb, lb)
        assert len(vals) == 12, (lb, vals)
        assert all(v <= t for v, t in zip(vals, totals[prog], strict=True))
        loc = f"line {la}" if la == lb else f"lines {la}-{lb}"
        for p, v in zip(MONTHS, vals, strict=True):
            obs.add(
                f,
                ind,
                "establishment",
                code,
                p,
                v,
                S002,
                T_ML_EML.format(p=title),
                loc,
                programme=prog,
            )
    # source checks that tie those rows to their table (month by month):
    # CAPAS: 12-row monthly blocks + Puno + the Jaen/Abancay lines = TOTAL (lines 10312-10632)
    starts = [10312, 10363, 10379, 10395, 10412, 10429, 10448, 10464, 10480, 10496, 10512, 10528]
    ends = [10327, 10378, 10394, 10410, 10427, 10444, 10463, 10479, 10495, 10511, 10527, 10543]
    blocks = list(zip(starts, ends, strict=True))
    puno = _nums(L, 10622, 10622)
    ja1, ja2 = _nums(L, 10631, 10631), _nums(L, 10632, 10632)
    jan_ja = _nums(L, 10628, 10629)
    for k, (a, b) in enumerate(blocks):
        blk = _nums(L, a, b)
        assert len(blk) == 12, (a, blk)
        extra = sum(jan_ja) if k == 0 else ja1[k - 1] + ja2[k - 1]
        assert sum(blk) + puno[k] + extra == totals["capas"][k], (k, sum(blk), puno[k], extra)
    # YUPACHAY January: Yanahuara + Puno + the four January values (lines 11329-11334) = 72
    assert 11 + 10 + sum(_nums(L, 11329, 11334)) == totals["yupachay"][0]
    # NO MAS PROBLEMAS January: nine January values (lines 10718-10732) + Tumbes = 149
    assert sum(_nums(L, 10718, 10732)) + 14 == totals["no_mas_problemas"][0]
    # AREE January: Yanahuara + the four January values (lines 11069-11074) = 164
    assert 68 + sum(_nums(L, 11069, 11074)) == totals["aree"][0]
    # RETO December by E.M.L. (prose, lines 10070-10078): Yanahuara (06) y Surquillo (06)
    txt = " ".join(x.strip() for x in L[10069:10078])
    assert "han participado 12" in txt and "Yanahuara (06)" in txt and "Surquillo (06)" in txt
    for code in ("EML-YANAHUARA", "EML-SURQUILLO"):
        obs.add(
            f,
            ind,
            "establishment",
            code,
            "2024-12",
            6,
            S002,
            "Principales resultados de la población intervenida en el Programa RETO, diciembre 2024",
            "lines 10070-10078",
            programme="reto",
        )
    obs.dataset(
        f,
        "Población atendida en los programas de medio libre, 2024 (nacional mensual y E.M.L. legibles)",
        S002,
        "Programas estructurados de Medio Libre (capítulo VI)",
        "INPE Informe Estadístico de Tratamiento Penitenciario 2024, chapter VI: persons attended per month "
        "in each medio libre programme (programme: focos, reto, capas, no_mas_problemas, aree, yupachay, "
        "talleres_multidisciplinarios), national; December of the six structured programmes adds up to the "
        "printed 1,313. Per E.M.L. only the rows the text prints unambiguously (see README, gaps).",
        36,
    )


# E.M.L. order of the two labour tables (lines 11787-11801 and 12040-12054); the oficina column
# (lines 11761-11775) is Sur, Norte x4, Pucallpa x2, Lima x4, Centro x2, Cusco, Puno.
LAB_EML = [
    "EML-YANAHUARA",
    "EML-PIURA",
    "EML-TRUJILLO",
    "EML-LAMBAYEQUE",
    "EML-CHOTA",
    "EML-HUANUCO",
    "EML-PUCALLPA",
    "EML-SURQUILLO",
    "EML-LIMA-NORTE",
    "EML-HUACHO",
    "EML-CALLAO",
    "EML-HUANCAYO",
    "EML-AYACUCHO",
    "EML-CUSCO",
    "EML-PUNO",
]
LAB_LABELS = [
    "Yanahuara",
    "Piura",
    "Trujillo",
    "Lambayeque",
    "Chota",
    "Huánuco",
    "Pucallpa",
    "Surquillo",
    "Lima Norte",
    "Huacho",
    "Callao",
    "Huancayo",
    "Ayacucho",
    "Cusco",
    "Puno",
]
LAB_OR = (
    ["Sur"] + ["Norte"] * 4 + ["Pucalla"] * 2 + ["Lima"] * 4 + ["Centro"] * 2 + ["Cusco", "Puno"]
)


def labour(obs, L):
    f = "medio_libre_labour_2024.csv"
    assert [L[i].strip() for i in range(11786, 11801)] == LAB_LABELS
    assert [L[i].strip() for i in range(12039, 12054)] == LAB_LABELS
    assert [L[i].strip() for i in range(11760, 11775)] == LAB_OR
    assert [L[i].strip() for i in range(12015, 12030)] == LAB_OR
    # --- POBLACIÓN INSERTADA EN EL MERCADO LABORAL, periodo 2024 (lines 11754-11913)
    t = "Población insertada en el mercado laboral, periodo 2024"
    cols = {
        ("expected", "nuevo"): (11803, 11817),
        ("expected", "seguimiento"): (11820, 11834),
        ("expected", ""): (11848, 11862),
        ("obtained", "nuevo"): (11865, 11879),
        ("obtained", "seguimiento"): (11881, 11895),
        ("obtained", ""): (11897, 11911),
    }
    v = {k: _col(L, a, b) for k, (a, b) in cols.items()}
    for s in ("expected", "obtained"):
        assert all(len(x) == 15 for x in v.values())
        assert [a + b for a, b in zip(v[(s, "nuevo")], v[(s, "seguimiento")], strict=True)] == v[
            (s, "")
        ]
    # TOTAL row, printed as 'TOTAL 39 137' (line 11777) and '76 111 187 98' (line 11913)
    printed = {
        ("expected", "nuevo"): (76, "line 11913"),
        ("expected", "seguimiento"): (111, "line 11913"),
        ("expected", ""): (187, "line 11913"),
        ("obtained", "nuevo"): (39, "line 11777"),
        ("obtained", "seguimiento"): (98, "line 11913"),
        ("obtained", ""): (137, "line 11777"),
    }
    assert _nums(L, 11777, 11777) == [39, 137] and _nums(L, 11913, 11913) == [76, 111, 187, 98]
    assert "reinsertar al mercado laboral a 137" in L[11949] and "187" in L[12194]
    for (s, cat), (a, _b) in cols.items():
        assert sum(v[(s, cat)]) == printed[(s, cat)][0], (s, cat)
        for k, code in enumerate(LAB_EML):
            obs.add(
                f,
                "medio_libre_job_placements",
                "establishment",
                code,
                "2024",
                v[(s, cat)][k],
                S002,
                t,
                f"lines {11787 + k}, {a + k}",
                series=s,
                category=cat,
            )
        obs.add(
            f,
            "medio_libre_job_placements",
            "national",
            "PE",
            "2024",
            printed[(s, cat)][0],
            S002,
            t,
            printed[(s, cat)][1],
            series=s,
            category=cat,
        )
    # --- POBLACIÓN EXTRAMUROS CAPACITADA, PERIODO 2024 (lines 12009-12141)
    t = "Población extramuros capacitada, periodo 2024"
    tcols = {  # block -> category; the block sums are the TOTAL row 'TOTAL 97 5531 51 259' (line 12141)
        "cursos_gestion": (12109, 12123),
        "cursos_con_presupuesto": (12125, 12139),
        "ceba": (12056, 12070),
        "cetpro": (12073, 12087),
        "talleres_orientacion_laboral": (12092, 12106),
    }
    tv = {k: _col(L, a, b) for k, (a, b) in tcols.items()}
    assert L[12140].split() == ["TOTAL", "97", "5531", "51", "259"]
    printed_t = {
        "cursos_gestion": 97,
        "cursos_con_presupuesto": 55,
        "ceba": 31,
        "cetpro": 51,
        "talleres_orientacion_laboral": 259,
    }
    for k, x in tv.items():
        assert len(x) == 15 and sum(x) == printed_t[k], (k, sum(x))
    # prose: CETPRO 51, cursos técnica productiva 152 (lines 12182-12186); talleres de orientación
    # laboral 259: Norte (60), Lima (96), Sur (30), Centro (25), Pucallpa (35) y Puno (13) (11962-11965)
    assert printed_t["cursos_gestion"] + printed_t["cursos_con_presupuesto"] == 152
    by_or = {}
    for o, x in zip(LAB_OR, tv["talleres_orientacion_laboral"], strict=True):
        by_or[o] = by_or.get(o, 0) + x
    assert by_or == {
        "Sur": 30,
        "Norte": 60,
        "Pucalla": 35,
        "Lima": 96,
        "Centro": 25,
        "Cusco": 0,
        "Puno": 13,
    }
    for cat, (a, _b) in tcols.items():
        for k, code in enumerate(LAB_EML):
            obs.add(
                f,
                "medio_libre_trained",
                "establishment",
                code,
                "2024",
                tv[cat][k],
                S002,
                t,
                f"lines {12040 + k}, {a + k}",
                category=cat,
            )
        obs.add(
            f,
            "medio_libre_trained",
            "national",
            "PE",
            "2024",
            printed_t[cat],
            S002,
            t,
            "line 12141",
            category=cat,
        )
    obs.dataset(
        f,
        "Reinserción laboral de medio libre: población insertada y capacitada por E.M.L., 2024",
        S002,
        "Población insertada en el mercado laboral / Población extramuros capacitada, periodo 2024",
        "INPE Informe Estadístico de Tratamiento Penitenciario 2024, §6.8: persons placed in jobs per "
        "E.M.L. (medio_libre_job_placements; series expected = meta programada, obtained = meta ejecutada; "
        "category nuevo / seguimiento / empty = total) and persons trained (medio_libre_trained; category "
        "cursos_gestion, cursos_con_presupuesto, ceba, cetpro, talleres_orientacion_laboral). Verified: "
        "E.M.L. sums = printed totals (187 / 137; 97, 55, 31, 51, 259); talleres by oficina = prose.",
        37,
    )
