"""INEI census population by departamento (2017, 2007): the denominator of rates per
inhabitant (reference/population_departamento_census.csv, INEI figures as stored in
jmcastagnetto/covid-19-peru-data, MIT)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

DOCUMENT = "inei-censos-2017-2007-departamento"
TABLE = "Población censada por departamento, censos 2017 y 2007 (datos/inei-pob_03.csv)"
NATIONAL_2017 = 29_381_884  # INEI total, as the reference README states it
FILE = "census_population_departamento.csv"


def census(obs, ref: Path, departamentos: set[str]) -> None:
    """Add the census rows; the 2017 departamentos must add up to the national total."""
    frame = pd.read_csv(ref / "population_departamento_census.csv", dtype=str)
    if set(frame["ubigeo"]) != departamentos:
        raise SystemExit("census table: departamentos differ from the INEI list")
    if frame["pop_census_2017"].astype(int).sum() != NATIONAL_2017:
        raise SystemExit("census table: 2017 departamentos do not add up to 29,381,884")
    for row in frame.itertuples():
        label = re.search(r"row '([^']+)'", row.source)
        locator = f"row '{label.group(1)}'" if label else f"ubigeo {row.ubigeo}"
        for year, value in (("2017", row.pop_census_2017), ("2007", row.pop_census_2007)):
            obs.add(
                FILE,
                "inhabitants",
                "departamento",
                row.ubigeo,
                year,
                int(value),
                DOCUMENT,
                TABLE,
                locator,
            )
    obs.add(
        FILE,
        "inhabitants",
        "national",
        "PE",
        "2017",
        NATIONAL_2017,
        DOCUMENT,
        TABLE,
        "total (sum of the 25 departamentos)",
        note="Total 2017 del INEI; igual a la suma de los 25 departamentos.",
    )
    obs.dataset(
        FILE,
        "Población censada por departamento, censos 2017 y 2007 (INEI)",
        DOCUMENT,
        TABLE,
        "INEI census population (población censada) by departamento, 2017 and 2007; national "
        "total 2017. Denominator of the rates per 100,000 inhabitants. The 2007 national total "
        "is not stated in the source we hold and is not stored.",
        200,
    )
