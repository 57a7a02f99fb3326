"""Property-based (Hypothesis) tests of every numeric and date parameter of the JSON API with
NaN, ±inf, huge, negative and malformed values: never a 5xx (issue 13). Short profile in CI
(SIEP_FUZZ_EXAMPLES, default 25 per parameter); the same seed every run."""

from __future__ import annotations

import math
import os

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import InvalidParameterError
from app.params import parse_bbox, parse_instant, parse_int, parse_number

EXAMPLES = int(os.environ.get("SIEP_FUZZ_EXAMPLES", "25"))
PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "1_000", "", " "]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet="0123456789.eE+-,nai ", max_size=20),
)
hostile_period = st.one_of(
    st.sampled_from(["2024", "2024-13", "2024-00", "2024-Q5", "9999-99", "0000", "2099", ""]),
    st.from_regex(r"\A-?\d{1,6}(-(Q\d|\d{1,3}))?\Z"),
    st.text(max_size=12),
)
hostile_date = st.one_of(
    st.sampled_from(["2024-13-45", "2024-02-30", "2024-06-30T25:00:00Z", "../..", "/", ".."]),
    st.text(alphabet="0123456789-:TZ./+", max_size=30),
)

# (path, parameter) for every numeric or period parameter of /api/v1.
NUMERIC = [
    ("/api/v1/observations?indicator=population", "limit"),
    ("/api/v1/observations?indicator=population", "offset"),
    ("/api/v1/choropleth?indicator=population&level=departamento", "classes"),
    ("/api/v1/choropleth?indicator=population&level=departamento", "breaks"),
    ("/api/v1/establishments?", "bbox"),
]
PERIODS = [
    ("/api/v1/observations?indicator=population", "from"),
    ("/api/v1/observations?indicator=population", "to"),
    ("/api/v1/choropleth?indicator=population&level=departamento", "period"),
    ("/api/v1/series?indicator=population&level=national", "from"),
    ("/api/v1/series?indicator=population&level=national", "to"),
]


@pytest.mark.parametrize(("path", "name"), NUMERIC)
def test_numeric_parameters_never_5xx(client: TestClient, path: str, name: str) -> None:
    @PROFILE
    @given(value=st.one_of(hostile_number, st.lists(hostile_number, max_size=5).map(",".join)))
    def check(value: str) -> None:
        response = client.get(path, params={name: value})
        assert response.status_code < 500, (name, value, response.text[:200])

    check()


@pytest.mark.parametrize(("path", "name"), PERIODS)
def test_period_parameters_never_5xx(client: TestClient, path: str, name: str) -> None:
    @PROFILE
    @given(value=hostile_period, other=hostile_period)
    def check(value: str, other: str) -> None:
        params = {name: value, ("to" if name == "from" else "from"): other}
        if name == "period":
            params = {name: value}
        response = client.get(path, params=params)
        assert response.status_code < 500, (params, response.text[:200])

    check()


@PROFILE
@given(value=st.one_of(hostile_number, st.floats().map(repr)))
def test_parse_number_returns_only_finite_values(value: str) -> None:
    try:
        assert math.isfinite(parse_number(value, "x"))
    except InvalidParameterError as exc:
        assert "x" in exc.message


@PROFILE
@given(value=st.lists(hostile_number, min_size=3, max_size=5).map(",".join))
def test_parse_bbox_returns_ordered_finite_boxes(value: str) -> None:
    try:
        minx, miny, maxx, maxy = parse_bbox(value)
    except InvalidParameterError:
        return
    assert minx <= maxx and miny <= maxy
    assert all(math.isfinite(v) and abs(v) <= 1e9 for v in (minx, miny, maxx, maxy))


@PROFILE
@given(value=hostile_number)
def test_parse_int_stays_in_bounds(value: str) -> None:
    try:
        assert 0 <= parse_int(value, "n", 0, 100) <= 100
    except InvalidParameterError:
        pass


@PROFILE
@given(value=hostile_date)
def test_parse_instant_accepts_only_real_dates(value: str) -> None:
    try:
        parsed = parse_instant(value, "datetime")
    except InvalidParameterError:
        return
    assert parsed.tzinfo is not None


def test_ogc_items_datetime_values_never_5xx(client: TestClient) -> None:
    @PROFILE
    @given(value=st.one_of(hostile_date, hostile_date.map(lambda d: f"{d}/{d}")))
    def check(value: str) -> None:
        response = client.get("/ogc/collections/departamentos/items", params={"datetime": value})
        assert response.status_code < 500, (value, response.text[:200])

    check()
