from __future__ import annotations

import dataclasses
import gc

import pytest

from app.catalog.snapshot import Catalog
from app.stats import snapshot_cache
from app.stats.aggregate import (
    compute,
    establishment_group,
    periods_by_level,
    place_names,
    registry_for,
)
from app.stats.snapshot_cache import cached_snapshots, per_snapshot
from tests.support.catalogs import Row, SmallCatalogs, Table


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


def test_a_rate_is_a_ratio_of_sums_not_an_average(small_catalogs: SmallCatalogs) -> None:
    catalog = small_catalogs.build(
        Table(
            [
                Row("tb_cases", "EP-LURIGANCHO", "2024", 30),
                Row("tb_cases", "EP-SJL-ANEXO", "2024", 10),
                Row("population", "EP-LURIGANCHO", "2024-12", 9000),
                Row("population", "EP-SJL-ANEXO", "2024-12", 1000),
            ]
        )
    )
    rates = compute(catalog, registry_for(catalog)["tb_rate"], "departamento", "2024")
    lima = rates.frame.loc["15"]
    # (30 + 10) / (9,000 + 1,000), not the mean of 333.3 and 1,000 per 100,000.
    assert lima["value"] == pytest.approx(400.0)
    assert (lima["numerator"], lima["denominator"]) == (40.0, 10000.0)
    assert lima["n_establishments"] == 2
    assert rates.denominator_period == "2024-12"  # a yearly count over the December stock


def test_national_overpopulation_follows_inpe_definitions(small_catalogs: SmallCatalogs) -> None:
    catalog = small_catalogs.build(
        Table([Row("population", "PE", "2024", 12500), Row("capacity", "PE", "2024", 10000)])
    )
    registry = registry_for(catalog)
    row = compute(catalog, registry["overpopulation"], "national", "2024").frame.loc["PE"]
    assert row["value"] == row["numerator"] - row["denominator"] == 2500
    pct = compute(catalog, registry["overpopulation_pct"], "national", "2024").frame.loc["PE"]
    assert pct["value"] == pytest.approx(25.0)
    # Hacinamiento: sobrepoblación above 20 % of capacity.
    flag = compute(catalog, registry["overcrowded"], "national", "2024").frame.loc["PE"]
    assert flag["value"] == 1.0


LIMA_POPULATION = Table(
    [
        Row("population", "EP-LURIGANCHO", "2024-12", 9000),
        Row("population", "EP-SJL-ANEXO", "2024-12", 500),
        Row("population", "EP-CALLAO", "2024-12", 3000),
    ],
    source_table="Cuadro 1",
)


def test_a_sum_of_establishments_cites_the_rows_it_summed(small_catalogs: SmallCatalogs) -> None:
    second = Table([Row("population", "EP-SJL-ANEXO", "2024-11", 480)], source_table="Cuadro 2")
    catalog = small_catalogs.build(LIMA_POPULATION, second)
    frame = compute(catalog, registry_for(catalog)["population"], "departamento", "2024-12").frame
    lima = frame.loc["15"]
    assert lima["value"] == 9500 and lima["method"] == "sum_of_establishments"
    assert lima["n_establishments"] == 2
    # Two rows of one table entered the sum: it cites that table once, with no line.
    assert [(s["table"], s["locator"]) for s in lima["sources"]] == [("Cuadro 1", "")]


def test_a_summed_rate_cites_numerator_and_denominator_rows(
    small_catalogs: SmallCatalogs,
) -> None:
    cases = Table(
        [Row("tb_cases", "EP-LURIGANCHO", "2024", 30), Row("tb_cases", "EP-SJL-ANEXO", "2024", 2)],
        source_table="Casos de TB",
    )
    catalog = small_catalogs.build(LIMA_POPULATION, cases)
    lima = compute(catalog, registry_for(catalog)["tb_rate"], "departamento", "2024").frame
    tables = {s["table"] for s in lima.loc["15", "sources"]}
    assert lima.loc["15", "method"] == "sum_of_establishments"
    assert tables == {"Cuadro 1", "Casos de TB"}


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


def test_departamento_periods_include_published_and_summed_ones(
    small_catalogs: SmallCatalogs,
) -> None:
    catalog = small_catalogs.build(
        Table(
            [
                Row("population", "15", "2012-06", 8000),  # published for the departamento
                Row("population", "EP-LURIGANCHO", "2024-12", 9000),  # summed
                Row("population", "PE", "2013", 67597),  # national only
            ]
        )
    )
    population = registry_for(catalog)["population"]
    by_level = periods_by_level(catalog, population)
    assert by_level["departamento"] == ("2012-06", "2024-12")
    assert by_level["national"] == ("2013", "2024-12")
    assert "2013" not in by_level["establishment"]


def test_partial_tables_are_served_per_establishment_but_never_summed(
    small_catalogs: SmallCatalogs,
) -> None:
    """A table listing only some E.P. (a dataset loaded as incomplete) gives their figures,
    but a total built from it would be a wrong figure: no level above the establishment
    gets one."""
    partial = Table([Row("population", "EP-LURIGANCHO", "2016-09", 7000)], is_complete=False)
    catalog = small_catalogs.build(LIMA_POPULATION, partial)
    population = registry_for(catalog)["population"]
    by_level = periods_by_level(catalog, population)
    assert "2016-09" in by_level["establishment"]
    assert "2016-09" not in by_level.get("departamento", ())
    national = compute(catalog, population, "national", "2016-09").frame
    assert national["value"].isna().all()
    complete = compute(catalog, population, "oficina_regional", "2024-12").frame
    assert complete.at["OR-LIMA", "value"] == 12500


def test_catalog_derived_values_are_built_once_per_snapshot(
    small_catalogs: SmallCatalogs,
) -> None:
    catalog = small_catalogs.build(LIMA_POPULATION)
    assert registry_for(catalog) is registry_for(catalog)
    assert place_names(catalog, "provincia") is place_names(catalog, "provincia")
    other = dataclasses.replace(catalog)
    assert registry_for(other) is not registry_for(catalog)
    gc.collect()  # catalogs of earlier tests may still be waiting for collection
    before = cached_snapshots()
    del other
    gc.collect()
    assert cached_snapshots() == before - 1


def test_per_snapshot_values_stop_growing_at_their_bound(
    small_catalogs: SmallCatalogs, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = small_catalogs.build()
    for i in range(snapshot_cache.MAX_KEYS):
        per_snapshot(catalog, ("filler", i), lambda i=i: i)
    built = [object(), object()]
    first = per_snapshot(catalog, "one more", lambda: built.pop())
    second = per_snapshot(catalog, "one more", lambda: built.pop())
    assert first is not second  # built each time, never kept
    assert per_snapshot(catalog, ("filler", 7), lambda: -1) == 7  # kept values still served
    assert "not kept" in caplog.text
