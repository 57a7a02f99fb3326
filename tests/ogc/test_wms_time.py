"""WMS TIME values: periods listed as dates QGIS parses, and the instants clients send."""

from __future__ import annotations

import pytest

from app.ogc.wms_time import advertised, advertised_values, resolve


def test_periods_are_listed_as_the_date_of_their_first_day() -> None:
    assert advertised("2024-12") == "2024-12-01"
    assert advertised("2024") == "2024-01-01"
    assert advertised("2024-Q3") == "2024-07-01"
    assert advertised_values(["2024-Q1", "2024-Q2", "2024"]) == ("2024-01-01", "2024-04-01")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-12", "2024-12"),  # the label itself
        ("2024-12-01", "2024-12"),
        ("2024-12-01T00:00:00Z", "2024-12"),  # what QGIS sends
        ("2024-12-17T10:30:00.000-05:00", "2024-12"),
        ("2024-12-01T00:00:00Z/2024-12-31T23:59:59Z", "2024-12"),  # an interval: its start
        ("2013-10-01", "2013-10"),
        ("2025-01-01", None),
        ("2024-11-01", None),
        ("garbage", None),
        ("2024-13-01T00:00:00Z", None),
    ],
)
def test_a_time_names_the_period_containing_it(value: str, expected: str | None) -> None:
    assert resolve(value, ["2012-06", "2013-10", "2024-12"]) == expected


def test_years_and_quarters() -> None:
    periods = ["2024-Q1", "2024-Q2", "2024"]
    assert resolve("2024-01-01T00:00:00Z", periods) == "2024"  # the listed default
    assert resolve("2024-04-01T00:00:00Z", periods) == "2024-Q2"
    assert resolve("2024-Q1", periods) == "2024-Q1"
    assert resolve("2024-05-20", ["2023", "2024"]) == "2024"
