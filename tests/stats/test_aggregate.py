from __future__ import annotations

import dataclasses
import gc

import pytest

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.stats.aggregate import (
    compute,
    establishment_group,
    periods_by_level,
    place_names,
    registry_for,
)
from app.stats.snapshot_cache import cached_snapshots
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


def test_a_sum_of_establishments_cites_the_rows_it_summed(shipped_catalog: Catalog) -> None:
    registry = registry_for(shipped_catalog)
    frame = compute(shipped_catalog, registry["population"], "departamento", "2024-12").frame
    lima = frame.loc["15"]
    assert lima["method"] == "sum_of_establishments" and lima["n_establishments"] > 1
    assert lima["sources"], "a summed value must cite its establishment rows"
    per_ep = compute(shipped_catalog, registry["population"], "establishment", "2024-12").frame
    in_lima = establishment_group(shipped_catalog, "departamento") == "15"
    expected = {
        (s["dataset"], s["document"], s["table"])
        for sources in per_ep.loc[in_lima[in_lima].index.intersection(per_ep.index), "sources"]
        for s in sources
    }
    assert {(s["dataset"], s["document"], s["table"]) for s in lima["sources"]} == expected
    assert len(lima["sources"]) == len(expected)  # distinct


def test_a_summed_rate_cites_numerator_and_denominator_rows(shipped_catalog: Catalog) -> None:
    registry = registry_for(shipped_catalog)
    lima = compute(shipped_catalog, registry["tb_rate"], "departamento", "2024").frame.loc["15"]
    tables = {s["table"] for s in lima["sources"]}
    assert lima["method"] == "sum_of_establishments" and len(tables) >= 2


@pytest.mark.parametrize("code", ["population", "capacity", "tb_rate", "overpopulation_pct"])
def test_periods_by_level_are_the_periods_compute_finds_values_for(
    shipped_catalog: Catalog, code: str
) -> None:
    indicator = registry_for(shipped_catalog)[code]
    by_level = periods_by_level(shipped_catalog, indicator)
    candidates = shipped_catalog.periods[indicator.inputs[0]]
    for level in ("oficina_regional", "departamento", "provincia", "establishment"):
        found = tuple(
            p
            for p in candidates
            if compute(shipped_catalog, indicator, level, p).frame["value"].notna().any()
        )
        assert by_level.get(level, ()) == found, level


def test_departamento_periods_include_published_and_summed_ones(shipped_catalog: Catalog) -> None:
    population = registry_for(shipped_catalog)["population"]
    departamento = periods_by_level(shipped_catalog, population)["departamento"]
    assert {"2012-06", "2013-10", "2024-12"} <= set(departamento)
    assert "2013" not in departamento  # national-only yearly figures


def test_partial_tables_are_served_per_establishment_but_never_summed(
    shipped_catalog: Catalog,
) -> None:
    """The 2016-09 reference page lists only some E.P. of one oficina: a total built from it
    would be a wrong figure, so no level above the establishment gets one."""
    population = registry_for(shipped_catalog)["population"]
    by_level = periods_by_level(shipped_catalog, population)
    assert "2016-09" in by_level["establishment"]
    assert "2016-09" not in by_level.get("departamento", ())
    national = compute(shipped_catalog, population, "national", "2012-06").frame
    assert national["value"].isna().all()  # 2012-06 only lists some prisons by age band
    complete = compute(shipped_catalog, population, "oficina_regional", "2024-12").frame
    assert complete["value"].notna().all()


def test_catalog_derived_values_are_built_once_per_snapshot(shipped_catalog: Catalog) -> None:
    assert registry_for(shipped_catalog) is registry_for(shipped_catalog)
    assert place_names(shipped_catalog, "provincia") is place_names(shipped_catalog, "provincia")
    other = dataclasses.replace(shipped_catalog)
    assert registry_for(other) is not registry_for(shipped_catalog)
    gc.collect()  # catalogs of earlier tests may still be waiting for collection
    before = cached_snapshots()
    del other
    gc.collect()
    assert cached_snapshots() == before - 1
