"""The values a front publishes and how a map shows them.

`published_values`: an indicator at every place of a level for one period, with small
sensitive counts withheld. `classify_places`: those values in classes, with each place's
colour and the legend. The JSON API's choropleths and downloads, the WMS/OGC API maps, the map
tiles and the OGC feature tables all come from here, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from app.catalog.snapshot import Catalog
from app.stats.aggregate import LevelValues, compute
from app.stats.classify import Classification, LegendClass, classify, legend_classes, place_colors
from app.stats.indicators import Indicator
from app.stats.suppress import SuppressionPolicy, apply_suppression


def published_values(
    catalog: Catalog,
    indicator: Indicator,
    level: str,
    period: str,
    policy: SuppressionPolicy,
    dimensions: dict[str, str] | None = None,
) -> LevelValues:
    """`compute` (app/stats/aggregate.py) with `apply_suppression` on its frame."""
    values = compute(catalog, indicator, level, period, dimensions)
    return replace(values, frame=apply_suppression(values.frame, indicator, level, policy))


@dataclass(frozen=True)
class ClassifiedPlaces:
    """Classes of the places' values, each place's fill colour (in the frame's order) and the
    legend's entries."""

    classification: Classification
    colors: list[str]
    legend: list[LegendClass]


def classify_places(
    frame: pd.DataFrame,
    method: str,
    classes: int,
    palette: str,
    breaks: Sequence[float] | None = None,
) -> ClassifiedPlaces:
    """Classify the `value` column of a `published_values` frame (rows in the map's order;
    a row without a value gets no class) and colour each place by its class and `status`."""
    classification = classify(frame["value"].to_numpy(dtype=float), method, classes, breaks)
    return ClassifiedPlaces(
        classification,
        place_colors(classification, palette, frame["status"]),
        legend_classes(classification, palette),
    )
