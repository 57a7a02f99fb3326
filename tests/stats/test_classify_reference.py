"""The classifiers of app/stats/classify.py give the bin edges mapclassify gives.

mapclassify (a test dependency only: at run time it would import scipy, scikit-learn and
matplotlib) is the reference the published legends were made with: every indicator × level ×
period of the shipped data, every method and class count, must classify as it does.
"""

from __future__ import annotations

import warnings

import mapclassify
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog.snapshot import Catalog
from app.codes import LEVELS
from app.domain.values import published_values
from app.settings import Settings
from app.stats.aggregate import periods_at_level, registry_for
from app.stats.classify import MAX_CLASSES, MIN_CLASSES, classify
from app.stats.suppress import SuppressionPolicy

AUTOMATIC = {
    "quantiles": mapclassify.Quantiles,
    "jenks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
}
CLASS_COUNTS = range(MIN_CLASSES, MAX_CLASSES + 1)
# What the server publishes by default.
POLICY = SuppressionPolicy.from_text(
    Settings.model_fields["suppression_threshold"].default,
    Settings.model_fields["suppression_levels"].default,
)


def mapclassify_bounds(values: np.ndarray, method: str, k: int) -> tuple[float, ...]:
    """What `classify` answered when it called mapclassify (fewer distinct values than classes:
    one class per value, as before; the last bound is at least the largest value)."""
    present = values[~np.isnan(values)]
    distinct = np.unique(present)
    if distinct.size == 1 or (distinct.size <= k and method != "equal_interval"):
        return tuple(float(v) for v in distinct)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bins = AUTOMATIC[method](present, k=k).bins
    bounds = sorted({float(b) for b in bins})
    bounds[-1] = max(bounds[-1], float(present.max()))
    return tuple(bounds)


def shipped_value_sets(catalog: Catalog) -> dict[tuple[str, str, str], np.ndarray]:
    registry = registry_for(catalog)
    sets = {}
    for code in registry.codes():
        indicator = registry[code]
        for level in LEVELS[1:]:  # not "national": one place, one class
            for period in periods_at_level(catalog, indicator, level):
                frame = published_values(catalog, indicator, level, period, POLICY).frame
                values = frame["value"].to_numpy(dtype=float)
                if (~np.isnan(values)).any():
                    sets[(code, level, period)] = values
    return sets


def test_every_shipped_map_classifies_as_mapclassify_does(shipped_catalog: Catalog) -> None:
    value_sets = shipped_value_sets(shipped_catalog)
    assert len(value_sets) >= 90  # every indicator at every level and period with data
    differences = [
        (key, method, k)
        for key, values in value_sets.items()
        for method in AUTOMATIC
        for k in CLASS_COUNTS
        if classify(values, method, k).upper_bounds != mapclassify_bounds(values, method, k)
    ]
    assert differences == []


# Counts with ties and zeros, large counts (float32 rounding in mapclassify's Fisher-Jenks) and
# rates with decimals, as the indicators have.
VALUES = st.one_of(
    st.lists(st.integers(0, 40), min_size=2, max_size=60),
    st.lists(st.integers(0, 120_000), min_size=2, max_size=60),
    st.lists(
        st.floats(0, 500, allow_nan=False).map(lambda v: round(v, 1)), min_size=2, max_size=60
    ),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=VALUES, k=st.integers(MIN_CLASSES, MAX_CLASSES))
def test_generated_values_classify_as_mapclassify_does(values: list[float], k: int) -> None:
    array = np.array(values, dtype=float)
    for method in AUTOMATIC:
        assert classify(array, method, k).upper_bounds == mapclassify_bounds(array, method, k)


@pytest.mark.parametrize("method", sorted(AUTOMATIC))
def test_a_single_distinct_value_is_one_class(method: str) -> None:
    assert classify([7.0, 7.0, None], method, 5).upper_bounds == (7.0,)
