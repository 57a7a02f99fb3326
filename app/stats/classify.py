"""Choropleth classification (quantiles, Fisher-Jenks, equal interval, manual breaks), palettes
and legend entries. Pure functions over numbers: no catalog, no HTTP, no rendering.

Shared by the JSON API, the downloads and the OGC helper's WMS styles, so a map looks the same
everywhere it is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.errors import InvalidParameterError
from app.stats.palettes import DIVERGING, SEQUENTIAL

Method = Literal["quantiles", "jenks", "equal_interval", "manual"]
METHODS: tuple[str, ...] = ("quantiles", "jenks", "equal_interval", "manual")
MIN_CLASSES = 2
MAX_CLASSES = 9
DEFAULT_METHOD = "quantiles"
DEFAULT_CLASSES = 5
DEFAULT_PALETTE = "YlOrRd"
MISSING_COLOR = "#e0e0e0"
SUPPRESSED_COLOR = "#9e9e9e"
PALETTES: dict[str, dict[int, tuple[str, ...]]] = {**SEQUENTIAL, **DIVERGING}


@dataclass(frozen=True)
class Classification:
    """Result of `classify`.

    `upper_bounds[i]` is the inclusive upper bound of class i; class 0 starts at `lower` (the
    smallest value, or the first bound when no value is given). `classes` holds, for each input
    value in order, its class or None when the value is missing. `k` may be smaller than asked
    for when the data has fewer distinct values than classes.
    """

    method: str
    lower: float | None
    upper_bounds: tuple[float, ...]
    classes: tuple[int | None, ...]

    @property
    def k(self) -> int:
        return len(self.upper_bounds)

    def counts(self) -> tuple[int, ...]:
        counts = [0] * self.k
        for c in self.classes:
            if c is not None:
                counts[c] += 1
        return tuple(counts)

    def lower_bounds(self) -> tuple[float | None, ...]:
        if not self.upper_bounds:
            return ()
        return (self.lower, *self.upper_bounds[:-1])


@dataclass(frozen=True)
class LegendClass:
    """One legend entry: a class, its bounds, colour, label and how many places it holds."""

    class_: int
    lower: float | None
    upper: float
    color: str
    label: str
    count: int


def _as_array(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(float)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def check_classes(k: int) -> int:
    if not isinstance(k, int) or not MIN_CLASSES <= k <= MAX_CLASSES:
        raise InvalidParameterError(
            f"classes must be an integer from {MIN_CLASSES} to {MAX_CLASSES}, got '{k}'"
        )
    return k


def check_method(method: str) -> str:
    if method not in METHODS:
        raise InvalidParameterError(
            f"unknown classification method '{method}'; valid: {', '.join(METHODS)}"
        )
    return method


def check_breaks(breaks: Sequence[float] | None) -> tuple[float, ...]:
    """Manual breaks: 1 to MAX_CLASSES-1 finite, strictly increasing numbers."""
    if not breaks:
        raise InvalidParameterError(
            "method 'manual' needs breaks=, e.g. breaks=10,20,50 "
            "(class limits between classes, strictly increasing)"
        )
    values = tuple(float(b) for b in breaks)
    if len(values) > MAX_CLASSES - 1:
        raise InvalidParameterError(
            f"at most {MAX_CLASSES - 1} breaks ({MAX_CLASSES} classes), got {len(values)}"
        )
    increasing = all(a < b for a, b in zip(values, values[1:], strict=False))
    if not all(np.isfinite(values)) or not increasing:
        raise InvalidParameterError(
            f"breaks must be finite and strictly increasing, got {list(values)}"
        )
    return values


def classify(
    values: Sequence[float | None] | np.ndarray,
    method: str,
    k: int,
    breaks: Sequence[float] | None = None,
) -> Classification:
    """Classify values into at most k classes (NaN/None values get class None).

    With method 'manual', `breaks` are the limits between classes (a value equal to a break
    belongs to the lower class) and k is ignored: there are len(breaks) + 1 classes.
    """
    check_method(method)
    data = _as_array(values)
    present = data[~np.isnan(data)]
    if method == "manual":
        limits = check_breaks(breaks)
        top = max(limits[-1], float(present.max())) if present.size else limits[-1]
        uppers = (*limits, top)
        lower = float(present.min()) if present.size else None
    else:
        check_classes(k)
        if present.size == 0:
            return Classification(method, None, (), tuple(None for _ in data))
        uppers = _automatic_bounds(present, method, k)
        lower = float(present.min())
    found = np.minimum(np.searchsorted(uppers, data, side="left"), len(uppers) - 1)
    classes = tuple(
        None if missing else c
        for c, missing in zip(found.tolist(), np.isnan(data).tolist(), strict=True)
    )
    return Classification(method, lower, tuple(float(u) for u in uppers), classes)


def _automatic_bounds(present: np.ndarray, method: str, k: int) -> tuple[float, ...]:
    distinct = np.unique(present)
    if distinct.size == 1 or (distinct.size <= k and method != "equal_interval"):
        # Fewer distinct values than classes: one class per value.
        return tuple(float(v) for v in distinct)
    if method == "quantiles":
        bins = _quantile_bins(present, k)
    elif method == "jenks":
        bins = _fisher_jenks_bins(np.sort(present), k)
    else:
        bins = _equal_interval_bins(present, k)
    unique_bins = sorted({float(b) for b in bins})
    unique_bins[-1] = max(unique_bins[-1], float(present.max()))
    return tuple(unique_bins)


# The three classifiers below give the bin edges mapclassify 2.x gives (Quantiles,
# EqualInterval, FisherJenks without numba), computed with the same floating-point operations
# in the same order, so that every published legend stays as it was; mapclassify itself imports
# scipy, scikit-learn and matplotlib (about 110 MB resident). tests/stats/test_classify_reference.py
# compares them with mapclassify on the shipped data.


def _quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """The upper edge of each of k quantile classes (scipy's scoreatpercentile, 'fraction'),
    repeated edges merged: ties may give fewer than k classes."""
    ordered = np.sort(values)
    width = 100.0 / k
    percents = np.arange(width, 100 + width, width)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    edges = []
    for percent in percents:
        index = percent / 100.0 * (ordered.size - 1)
        low = int(index)
        if low == index:
            edges.append(ordered[low])
        else:
            weights = np.array([low + 1 - index, index - low])
            edges.append(np.add.reduce(ordered[low : low + 2] * weights) / weights.sum())
    return np.unique(np.array(edges))


def _equal_interval_bins(values: np.ndarray, k: int) -> np.ndarray:
    """k classes of equal width between the smallest and the largest value."""
    top, bottom = values.max(), values.min()
    width = (top - bottom) * 1.0 / k
    cuts = np.arange(bottom + width, top + width, width)[:k]
    cuts[-1] = top
    return cuts


def _fisher_jenks_bins(ordered: np.ndarray, k: int) -> np.ndarray:
    """Fisher's exact optimal partition of sorted values into k classes (least sum of squared
    deviations from the class means), as mapclassify computes it: sums in float32, a tie
    between two partitions won by the one whose last class starts first. Returns the upper
    edge of each class (always a value of the data)."""
    n = ordered.size
    single = ordered.astype(np.float32)
    # start[l, j]: 1-based index where the last class of the best j-class split of the first l
    # values starts; cost[l, j]: that split's sum of squared deviations.
    start = np.zeros((n + 1, k + 1), dtype=np.int64)
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)
    start[1, 1:] = 1
    cost[2:, 1:] = np.inf
    for end in range(2, n + 1):
        # The last class holds the last m of the first `end` values, m = 1..end.
        tail = single[end - 1 :: -1]
        sums = np.cumsum(tail, dtype=np.float32)
        squares = np.cumsum(tail * tail, dtype=np.float32)
        counts = np.arange(1, end + 1, dtype=np.float32)
        deviation = squares - (sums * sums) / counts
        # m = 1..end-1 leaves the first end-m values to j-1 classes.
        candidates = deviation[: end - 1, None] + cost[end - 1 : 0 : -1, 1:k]
        last_best = end - 2 - np.argmin(candidates[::-1], axis=0)
        start[end, 2:] = end - last_best
        cost[end, 2:] = candidates[last_best, np.arange(k - 1)]
        start[end, 1] = 1
        cost[end, 1] = deviation[-1]
    edges = np.zeros(k + 1, dtype=ordered.dtype)
    edges[k] = ordered[-1]
    edges[0] = ordered[0]
    row = n
    for classes in range(k, 1, -1):
        first = int(start[row, classes])
        edges[classes - 1] = ordered[first - 2]
        row = first - 1
    return edges[1:]


def palette_names() -> list[str]:
    return sorted(PALETTES)


def palette_colors(palette: str, k: int) -> tuple[str, ...]:
    """The palette's colours for k classes (1 or 2 classes take the ends of the 3-class scheme)."""
    scheme = PALETTES.get(palette)
    if scheme is None:
        raise InvalidParameterError(
            f"unknown palette '{palette}'; valid: {', '.join(palette_names())}"
        )
    if k in scheme:
        return scheme[k]
    smallest, largest = min(scheme), max(scheme)
    if k < smallest:
        colors = scheme[smallest]
        return (colors[-1],) if k == 1 else (colors[0], colors[-1])[:k]
    raise InvalidParameterError(
        f"palette '{palette}' has at most {largest} classes, {k} were asked for"
    )


def format_number(value: float | None, decimals: int | None = None) -> str:
    """A figure as INPE prints it: comma thousands, point decimals (99,443; 5.5)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else (1 if abs(value) >= 10 else 2)
    return f"{value:,.{decimals}f}"


def legend_classes(classification: Classification, palette: str) -> list[LegendClass]:
    """Legend entries for a classification coloured with `palette`."""
    if classification.k == 0:
        return []
    colors = palette_colors(palette, classification.k)
    counts = classification.counts()
    entries = []
    for i, (low, up) in enumerate(
        zip(classification.lower_bounds(), classification.upper_bounds, strict=True)
    ):
        if low is None or low == up:
            label = format_number(up)
        else:
            label = f"{format_number(low)} – {format_number(up)}"
        entries.append(LegendClass(i, low, up, colors[i], label, counts[i]))
    return entries


def class_colors(classification: Classification, palette: str) -> list[str]:
    """The fill colour of each classified value (MISSING_COLOR for values without class)."""
    colors = palette_colors(palette, classification.k) if classification.k else ()
    return [MISSING_COLOR if c is None else colors[c] for c in classification.classes]


def place_colors(
    classification: Classification, palette: str, statuses: Iterable[str]
) -> list[str]:
    """The fill colour of each classified place: SUPPRESSED_COLOR where its status is
    'suppressed', else its class's colour (`class_colors`). Every map (JSON choropleth and
    its downloads, WMS, OGC API Maps, map tiles) is coloured here."""
    return [
        SUPPRESSED_COLOR if status == "suppressed" else color
        for color, status in zip(class_colors(classification, palette), statuses, strict=True)
    ]
