"""Expected rates per 100,000 inhabitants, computed by hand from the shipped CSVs (geodata/)."""

from __future__ import annotations

import pandas as pd

from app.settings import PROJECT_ROOT

GEODATA = PROJECT_ROOT / "geodata"
DIMENSIONS = ("sex", "legal_status", "age_band", "regime", "stage", "tb_type", "programme")


def _observations() -> pd.DataFrame:
    files = sorted((GEODATA / "observations").glob("*.csv"))
    rows = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    dims = [c for c in rows.columns if c in (*DIMENSIONS, "category", "series")]
    return rows[rows[dims].isna().all(axis=1)]  # totals only


def census(place_type: str, year: str) -> pd.Series:
    """INEI census population by place code, as shipped."""
    rows = _observations()
    rows = rows[
        (rows["indicator"] == "inhabitants")
        & (rows["place_type"] == place_type)
        & (rows["period"] == year)
    ]
    return rows.set_index("place_code")["value"].astype(float)


def population(place_type: str, period: str) -> pd.Series:
    """Prison population (total) by place code, as shipped."""
    rows = _observations()
    rows = rows[
        (rows["indicator"] == "population")
        & (rows["place_type"] == place_type)
        & (rows["period"] == period)
    ]
    return rows.set_index("place_code")["value"].astype(float)


def departamento_rates(period: str, year: str) -> pd.Series:
    """Σ establishment population of each departamento (by the UBIGEO of the establishment)
    / census population of `year` × 100,000."""
    establishments = pd.read_csv(GEODATA / "establishments.csv", dtype=str).set_index("code")
    departamento = establishments["ubigeo"].str[:2]
    per_ep = population("establishment", period)
    summed = per_ep.groupby(departamento.reindex(per_ep.index)).sum()
    return (summed / census("departamento", year) * 100000).dropna()
