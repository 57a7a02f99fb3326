"""Rates per 100,000 inhabitants: prison population summed over the establishments of a
departamento (or published) over the INEI census population published for the place, at the
latest census at or before the period."""

from __future__ import annotations

import pytest

from app.catalog.snapshot import Catalog
from app.stats.aggregate import compute, periods_by_level, registry_for
from tests.support.census import census, departamento_rates, population

RATE = "prison_rate_per_100k_inhabitants"


def test_departamento_rate_is_summed_population_over_census_2017(
    shipped_catalog: Catalog,
) -> None:
    values = compute(
        shipped_catalog, registry_for(shipped_catalog)[RATE], "departamento", "2024-12"
    )
    assert values.denominator_period == "2017"
    expected = departamento_rates("2024-12", "2017")
    assert {"15", "11", "08"} <= set(expected.index)  # Lima, Ica, Cusco
    frame = values.frame
    for code, rate in expected.items():
        assert frame.at[code, "value"] == pytest.approx(rate), code
        assert frame.at[code, "method"] == "sum_of_establishments"
    assert frame.at["15", "denominator"] == census("departamento", "2017")["15"]
    documents = {s["document_id"] for s in frame.at["15", "sources"]}
    assert documents == {"inpe-itp-2024", "inei-censos-2017-2007-departamento"}
    # Every departamento with a summed population has a census: none is left out.
    assert set(frame.index[frame["value"].notna()]) == set(expected.index)


def test_earlier_periods_take_the_census_before_them(shipped_catalog: Catalog) -> None:
    rate = registry_for(shipped_catalog)[RATE]
    values = compute(shipped_catalog, rate, "departamento", "2012-06")
    assert values.denominator_period == "2007"
    frame = values.frame.dropna(subset=["value"])
    assert len(frame) > 0
    census_2007 = census("departamento", "2007")
    for code, row in frame.iterrows():
        assert row["denominator"] == census_2007[code]
        assert row["value"] == pytest.approx(row["numerator"] / census_2007[code] * 1e5)


def test_national_rate_is_published_population_over_census_2017(
    shipped_catalog: Catalog,
) -> None:
    registry = registry_for(shipped_catalog)
    values = compute(shipped_catalog, registry[RATE], "national", "2024-12")
    assert values.denominator_period == "2017"
    assert census("national", "2017")["PE"] == 29_381_884
    # The national population the server publishes for 2024-12 (one of the shipped totals).
    served = compute(shipped_catalog, registry["population"], "national", "2024-12")
    published = served.frame.at["PE", "value"]
    assert published in set(population("national", "2024-12")["PE"])
    assert values.frame.at["PE", "numerator"] == published
    assert values.frame.at["PE", "value"] == pytest.approx(published / 29_381_884 * 100000)
    assert values.frame.at["PE", "method"] == "published"


def test_no_census_means_missing(shipped_catalog: Catalog) -> None:
    rate = registry_for(shipped_catalog)[RATE]
    provinces = compute(shipped_catalog, rate, "provincia", "2024-12").frame
    assert provinces["value"].isna().all() and (provinces["status"] == "missing").all()
    by_level = periods_by_level(shipped_catalog, rate)
    assert "provincia" not in by_level and "2024-12" in by_level["departamento"]
