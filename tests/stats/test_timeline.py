from __future__ import annotations

import pytest

from app.stats.timeline import default_granularity, missing_periods, period_range


def test_period_range_walks_months_across_a_year_end() -> None:
    assert period_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]


def test_period_range_walks_quarters_and_years() -> None:
    assert period_range("2023-Q3", "2024-Q2") == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert period_range("2019", "2021") == ["2019", "2020", "2021"]


def test_period_range_refuses_two_granularities() -> None:
    with pytest.raises(ValueError, match="one granularity"):
        period_range("2023", "2024-01")


def test_missing_periods_are_the_gaps_inside_the_range() -> None:
    assert missing_periods(["2024-01", "2024-04", "2024-05"]) == ["2024-02", "2024-03"]
    assert missing_periods(["2013", "2014"]) == []
    assert missing_periods([]) == []


def test_default_granularity_is_the_most_frequent_and_the_finer_on_a_tie() -> None:
    assert default_granularity(["2012", "2013", "2014", "2024-12"]) == "year"
    assert default_granularity(["2013", "2024-12"]) == "month"
    assert default_granularity([]) is None
