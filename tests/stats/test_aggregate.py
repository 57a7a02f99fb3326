from __future__ import annotations

import pytest

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.stats.aggregate import compute, establishment_group, registry_for
from app.store.engine import make_engine


@pytest.fixture(scope="module")
def shipped_catalog(shipped_store_url: str) -> Catalog:
    engine = make_engine(shipped_store_url)
    try:
        return build_catalog(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("indicator", "period"),
    [
        ("tb_cases", "2024"),
        ("population", "2024-12"),
        ("hiv_cases", "2024-12"),
        ("hiv_treated", "2024-12"),
    ],
)
def test_summing_establishments_by_oficina_regional_reproduces_printed_totals(
    shipped_catalog: Catalog, indicator: str, period: str
) -> None:
    registry = registry_for(shipped_catalog)
    per_ep = (
        compute(shipped_catalog, registry[indicator], "establishment", period)
        .frame["value"]
        .dropna()
    )
    region_of = establishment_group(shipped_catalog, "oficina_regional")
    summed = per_ep.groupby(region_of.reindex(per_ep.index)).sum()
    printed = compute(shipped_catalog, registry[indicator], "oficina_regional", period).frame
    printed = printed[printed["method"] == "published"]["value"]
    assert len(printed) >= 7
    for code, value in printed.items():
        assert summed.get(code, 0.0) == value, code


def test_a_rate_is_a_ratio_of_sums_not_an_average(shipped_catalog: Catalog) -> None:
    registry = registry_for(shipped_catalog)
    rates = compute(shipped_catalog, registry["tb_rate"], "departamento", "2024").frame.dropna(
        subset=["value"]
    )
    lima = rates.loc["15"]
    assert lima["value"] == pytest.approx(lima["numerator"] / lima["denominator"] * 100000)
    assert lima["n_establishments"] > 1


def test_national_overpopulation_follows_inpe_definitions(shipped_catalog: Catalog) -> None:
    registry = registry_for(shipped_catalog)
    row = compute(shipped_catalog, registry["overpopulation"], "national", "2024").frame.loc["PE"]
    assert row["value"] == row["numerator"] - row["denominator"]
    pct = compute(shipped_catalog, registry["overpopulation_pct"], "national", "2024").frame.loc[
        "PE"
    ]
    assert pct["value"] == pytest.approx(
        (pct["numerator"] - pct["denominator"]) / pct["denominator"] * 100
    )
    flag = compute(shipped_catalog, registry["overcrowded"], "national", "2024").frame.loc["PE"]
    assert flag["value"] == 1.0
