from __future__ import annotations

import pytest

from app.errors import InvalidParameterError
from app.stats.classify import (
    MISSING_COLOR,
    PALETTES,
    class_colors,
    classify,
    legend_classes,
    palette_colors,
)

VALUES = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]


def test_quantiles_split_ten_values_in_five_even_classes() -> None:
    result = classify(VALUES, "quantiles", 5)
    assert result.upper_bounds == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert result.counts() == (2, 2, 2, 2, 2)


def test_missing_values_get_no_class_and_the_missing_colour() -> None:
    result = classify([1.0, None, 3.0, float("nan")], "equal_interval", 2)
    assert result.classes[1] is None and result.classes[3] is None
    assert class_colors(result, "Blues")[1] == MISSING_COLOR


def test_jenks_separates_natural_groups() -> None:
    result = classify([1, 2, 3, 50, 51, 52, 200, 210], "jenks", 3)
    assert result.upper_bounds == (3.0, 52.0, 210.0)
    assert result.classes == (0, 0, 0, 1, 1, 1, 2, 2)


def test_equal_interval_bounds_are_evenly_spaced() -> None:
    result = classify([0.0, 10.0, 5.0, 2.0], "equal_interval", 5)
    assert result.upper_bounds == pytest.approx((2.0, 4.0, 6.0, 8.0, 10.0))


def test_manual_breaks_put_a_value_equal_to_a_break_in_the_lower_class() -> None:
    result = classify([5, 10, 11, 20, 99], "manual", 0, breaks=[10, 20])
    assert result.classes == (0, 0, 1, 1, 2)
    assert result.upper_bounds == (10.0, 20.0, 99.0)


def test_fewer_distinct_values_than_classes_give_one_class_per_value() -> None:
    result = classify([0, 1, 1, 0, 1], "jenks", 5)
    assert result.k == 2 and result.classes == (0, 1, 1, 0, 1)


@pytest.mark.parametrize("k", [0, 1, 10, 99])
def test_impossible_class_counts_are_rejected_with_the_valid_range(k: int) -> None:
    with pytest.raises(InvalidParameterError, match="from 2 to 9"):
        classify(VALUES, "quantiles", k)


@pytest.mark.parametrize("breaks", [[], [3, 2], [1, 1], [float("inf")], list(range(12))])
def test_invalid_manual_breaks_are_rejected(breaks: list[float]) -> None:
    with pytest.raises(InvalidParameterError, match="breaks"):
        classify(VALUES, "manual", 5, breaks=breaks)


def test_unknown_method_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidParameterError, match="quantiles, jenks, equal_interval, manual"):
        classify(VALUES, "natural", 5)


def test_unknown_palette_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidParameterError, match="YlOrRd"):
        palette_colors("Rainbow", 5)


def test_palettes_are_colorbrewer_hex_colours_for_three_to_nine_classes() -> None:
    assert palette_colors("YlOrRd", 3) == ("#ffeda0", "#feb24c", "#f03b20")
    for scheme in PALETTES.values():
        for k in range(3, 10):
            assert len(scheme[k]) == k
            assert all(c.startswith("#") and len(c) == 7 for c in scheme[k])


def test_legend_has_bounds_colours_labels_and_counts() -> None:
    result = classify([100, 1500, 2500, 99443], "manual", 0, breaks=[1000, 5000])
    legend = legend_classes(result, "Blues")
    assert [e.count for e in legend] == [1, 2, 1]
    assert legend[2].label == "5,000 – 99,443"
    assert legend[0].color == palette_colors("Blues", 3)[0]
