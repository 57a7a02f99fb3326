"""The values a front publishes: an indicator at every place of a level for one period, with
small sensitive counts withheld. The JSON API's choropleths, the WMS/OGC API maps and the OGC
feature tables all take their figures from `published_values`, so they cannot disagree."""

from __future__ import annotations

from dataclasses import replace

from app.catalog.snapshot import Catalog
from app.stats.aggregate import LevelValues, compute
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
