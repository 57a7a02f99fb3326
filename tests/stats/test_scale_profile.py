"""Short scale profile (correctness only): a SYNTHETIC history loaded through the real load
path must give the same sums as pandas computes from the same rows. Timings are measured by
bench/scale.py, never asserted here. SIEP_BENCH_PROFILE=long loads about ten times more."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.domain.series import series_frame
from app.settings import PROJECT_ROOT
from app.stats.aggregate import compute, establishment_group, registry_for
from app.stats.indicators import CORE_REGISTRY, indicator_rows
from app.stats.suppress import NO_SUPPRESSION
from app.store.engine import make_engine
from app.store.ingest.datasets import DatasetMeta, load_dataset
from app.store.ingest.seed import seed
from app.store.migrate import upgrade
from bench.scale import SYNTHETIC, months_back, synthetic_rows

MONTHS = 120 if os.environ.get("SIEP_BENCH_PROFILE") == "long" else 12


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, pd.DataFrame]:
    url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'siep.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, PROJECT_ROOT / "geodata", indicator_rows(CORE_REGISTRY))
    codes = pd.read_sql("SELECT code FROM establishments WHERE code LIKE 'EP-%'", engine)
    rows = pd.concat(
        synthetic_rows(sorted(codes["code"]), months_back(MONTHS, last_year=2040)),
        ignore_index=True,
    )
    for number, start in enumerate(range(0, len(rows), 200_000)):
        data = rows.iloc[start : start + 200_000].to_csv(index=False).encode()
        load_dataset(engine, data, "synthetic.csv", DatasetMeta(f"synthetic-{number}", SYNTHETIC))
    catalog = build_catalog(engine)
    engine.dispose()
    return catalog, rows


def _expected(catalog: Catalog, rows: pd.DataFrame, level: str) -> pd.DataFrame:
    totals = rows[rows[["sex", "legal_status", "age_band"]].isna().all(axis=1)].copy()
    totals["place"] = totals["place_code"].map(establishment_group(catalog, level))
    return totals.pivot_table(
        index=["period", "place"], columns="indicator", values="value", aggfunc="sum"
    )


@pytest.mark.parametrize("level", ["national", "oficina_regional", "departamento", "distrito"])
def test_maps_of_a_synthetic_history_equal_the_sums_of_its_rows(
    synthetic: tuple[Catalog, pd.DataFrame], level: str
) -> None:
    catalog, rows = synthetic
    registry = registry_for(catalog)
    expected = _expected(catalog, rows, level)
    for period in sorted(set(rows["period"]))[:: max(1, MONTHS // 4)]:
        want = expected.loc[period]
        population = compute(catalog, registry["population"], level, period).frame
        got = population.loc[want.index]
        assert (got["method"] == "sum_of_establishments").all()
        assert got["value"].tolist() == want["population"].tolist()
        derived = compute(catalog, registry["overpopulation"], level, period).frame
        difference = (want["population"] - want["capacity"]).tolist()
        assert derived.loc[want.index, "value"].tolist() == difference


def test_a_series_of_a_synthetic_history_is_the_monthly_sums(
    synthetic: tuple[Catalog, pd.DataFrame],
) -> None:
    catalog, rows = synthetic
    expected = _expected(catalog, rows, "departamento")
    place = str(expected.index.get_level_values("place")[0])
    frame = series_frame(catalog, registry_for(catalog)["population"], place, NO_SUPPRESSION)
    got = frame[frame["period"].isin(set(rows["period"]))]
    want = expected.xs(place, level="place")["population"]
    assert got["period"].tolist() == want.index.tolist()
    assert got["value"].tolist() == want.tolist()
    assert (got["method"] == "sum_of_establishments").all()
