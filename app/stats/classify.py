"""Choropleth classification (quantiles, Fisher-Jenks, equal interval, manual breaks), palettes
and legend entries. Pure functions over numbers: no catalog, no HTTP, no rendering.

Shared by the JSON API, the downloads and the OGC helper's WMS styles, so a map looks the same
everywhere it is drawn.
"""

from __future__ import annotations

import warnings
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
    classes = tuple(
        None if np.isnan(v) else min(int(np.searchsorted(uppers, v, side="left")), len(uppers) - 1)
        for v in data
    )
    return Classification(method, lower, tuple(float(u) for u in uppers), classes)


def _automatic_bounds(present: np.ndarray, method: str, k: int) -> tuple[float, ...]:
    distinct = np.unique(present)
    if distinct.size == 1 or (distinct.size <= k and method != "equal_interval"):
        # Fewer distinct values than classes: one class per value.
        return tuple(float(v) for v in distinct)
    import mapclassify  # pulls in scipy and scikit-learn: imported on first use, not at start

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "quantiles":
            bins = mapclassify.Quantiles(present, k=k).bins
        elif method == "jenks":
            bins = mapclassify.FisherJenks(present, k=k).bins
        else:
            bins = mapclassify.EqualInterval(present, k=k).bins
    unique_bins = sorted({float(b) for b in bins})
    unique_bins[-1] = max(unique_bins[-1], float(present.max()))
    return tuple(unique_bins)


def preload() -> None:
    """Import the classifiers' libraries now (at start-up, off the request path)."""
    import mapclassify  # noqa: F401


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
