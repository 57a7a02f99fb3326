"""The OGC services' context of one app: settings, catalog holder, layers and feature tables.

`mount_ogc` builds one per app and hands it to every front: the WMS/WFS services get it as an
argument and pygeoapi's providers through their provider definition (`provider_def["context"]`).
Nothing here is process-global. The periods with data and the extents of each layer are derived
from the catalog snapshot they describe (cached per snapshot, never across versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.catalog.holder import CatalogHolder
from app.catalog.snapshot import Catalog
from app.codes import parse_period
from app.domain.features import (
    BBox,
    FeatureTable,
    FeatureTables,
    layer_extent,
    layer_publications,
)
from app.domain.periods import layer_periods
from app.layers import LayerDefinition, LayerSet
from app.settings import Settings


@dataclass(frozen=True)
class CollectionExtent:
    """Spatial extent (lon/lat) and the first and last instant with data (pygeoapi wants
    datetime objects in its configuration, as YAML would give it)."""

    bbox_4326: BBox
    begin: datetime | None
    end: datetime | None


def _instant_bounds(periods: list[str]) -> tuple[datetime | None, datetime | None]:
    if not periods:
        return None, None
    starts = []
    ends = []
    for code in periods:
        period = parse_period(code)
        year, end_month, _ = period.end_key
        start_month = end_month - period.months + 1
        starts.append((year, start_month))
        ends.append((year, end_month))
    (y0, m0), (y1, m1) = min(starts), max(ends)
    next_y, next_m = (y1 + 1, 1) if m1 == 12 else (y1, m1 + 1)
    return datetime(y0, m0, 1, tzinfo=UTC), datetime(next_y, next_m, 1, tzinfo=UTC)


@dataclass(frozen=True)
class OgcContext:
    settings: Settings
    holder: CatalogHolder
    layers: LayerSet
    tables: FeatureTables

    def __deepcopy__(self, memo: dict[int, Any]) -> OgcContext:
        # pygeoapi deep-copies its configuration, which carries the context: share it.
        return self

    def abstract(self, layer: LayerDefinition, catalog: Catalog | None = None) -> str:
        """The layer's description and the publications its figures come from (the abstract
        of its OGC API collection, WMS layer and WFS feature type)."""
        publications = layer_publications(catalog or self.holder.catalog, layer)
        description = layer.description.strip()
        if not publications:
            return description
        cited = "; ".join(p.rstrip(".") for p in publications)
        return f"{description}\n\nFuentes: {cited}."

    def table(self, layer_id: str, catalog: Catalog | None = None) -> FeatureTable:
        return self.tables.table(catalog or self.holder.catalog, layer_id)

    def periods(self, layer: LayerDefinition, indicator_code: str) -> tuple[str, ...]:
        return layer_periods(self.holder.catalog, layer, indicator_code)

    def extent(self, layer_id: str) -> CollectionExtent:
        """The features' bounding box and the time span of the layer's figures."""
        catalog = self.holder.catalog
        layer = self.layers.get(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        periods = [p for code in layer.indicators for p in layer_periods(catalog, layer, code)]
        begin, end = _instant_bounds(periods)
        return CollectionExtent(layer_extent(catalog, layer), begin, end)
