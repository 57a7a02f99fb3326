"""Places of each level and the place of each level that contains an establishment.

Both depend on the catalog alone, so each is computed once per snapshot
(app/stats/snapshot_cache.py). Shared objects: callers must not mutate them.
"""

from __future__ import annotations

import pandas as pd

from app.catalog.snapshot import Catalog
from app.codes import NATIONAL_CODE
from app.stats.snapshot_cache import per_snapshot

AGGREGATE_LEVELS = ("national", "oficina_regional", "departamento", "provincia", "distrito")
_GROUP_COLUMN = {
    "oficina_regional": "oficina_regional",
    "departamento": "departamento",
    "provincia": "provincia",
    "distrito": "ubigeo",
}


def place_names(catalog: Catalog, level: str) -> pd.Series:
    """Names of every place of a level, indexed by code (shared: do not mutate)."""

    def build() -> pd.Series:
        if level == "national":
            names = pd.Series({NATIONAL_CODE: "Perú"})
        elif level == "oficina_regional":
            names = catalog.regions["name"].copy()
        elif level == "establishment":
            names = catalog.establishments["name"].copy()
        else:
            names = catalog.units_at(level)["name"].copy()
        names.index = names.index.astype(str)
        return names

    return per_snapshot(catalog, ("place_names", level), build)


def establishment_group(catalog: Catalog, level: str) -> pd.Series:
    """For each establishment code, the code of the place of `level` that contains it."""

    def build() -> pd.Series:
        est = catalog.establishments
        if level == "national":
            return pd.Series(NATIONAL_CODE, index=est.index)
        column = _GROUP_COLUMN.get(level)
        if column is not None:
            return est[column].copy()
        return pd.Series(est.index, index=est.index)

    return per_snapshot(catalog, ("establishment_group", level), build)
