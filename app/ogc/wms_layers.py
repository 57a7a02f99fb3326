"""WMS layers (one per published layer and indicator), their periods and styled map data.

Styles are the classification methods of app.stats.classify (the same module as the JSON
API's choropleths) with the layer's palette; the colours of a (version, layer, indicator,
period, style) are computed once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.bounded_cache import ByteLru
from app.catalog.snapshot import Catalog
from app.domain.features import FeatureTable
from app.domain.periods import layer_default_period, layer_periods
from app.domain.values import classify_places, published_values
from app.layers import LayerDefinition
from app.ogc import wms_time
from app.ogc.context import OgcContext
from app.ogc.exceptions import OgcError
from app.render.mapnik_render import MapData
from app.stats.aggregate import LevelValues, registry_for
from app.stats.classify import (
    MISSING_COLOR,
    Classification,
    LegendClass,
)
from app.stats.indicators import CORE_REGISTRY, Indicator

STYLES = ("quantiles", "jenks", "equal_interval")
MAX_STYLED = 256
MAX_STYLED_BYTES = 32 * 1024 * 1024
STYLED_BYTES_PER_FEATURE = 160
STYLE_TITLES = {
    "quantiles": "Cuantiles",
    "jenks": "Cortes naturales (Fisher-Jenks)",
    "equal_interval": "Intervalos iguales",
}


@dataclass(frozen=True)
class WmsLayer:
    name: str
    layer: LayerDefinition
    indicator: Indicator

    @property
    def title(self) -> str:
        return f"{self.layer.title}: {self.indicator.label_es}"


@dataclass(frozen=True)
class StyledLayer:
    """One layer's values, classes and colours for a period and style."""

    wms_layer: WmsLayer
    period: str
    style: str
    values: LevelValues
    classification: Classification
    legend: list[LegendClass]
    map_data: MapData


def wms_layer_name(layer_id: str, indicator: str) -> str:
    return f"{layer_id}.{indicator}"


class WmsLayers:
    """Resolves WMS layer names and builds styled layers from the current catalog."""

    def __init__(self, context: OgcContext) -> None:
        self.context = context
        self.layers: dict[str, WmsLayer] = {}
        for layer in context.layers:
            for code in layer.indicators:
                self.layers[wms_layer_name(layer.id, code)] = WmsLayer(
                    wms_layer_name(layer.id, code), layer, CORE_REGISTRY[code]
                )
        # Keys are checked values (version, layer, a period with data, a known style).
        self._styled: ByteLru[tuple[object, ...], StyledLayer] = ByteLru(
            MAX_STYLED_BYTES, max_entries=MAX_STYLED
        )
        self._periods: dict[tuple[int, str], tuple[str, ...]] = {}

    def resolve(self, name: str) -> WmsLayer:
        if name in self.layers:
            return self.layers[name]
        layer = self.context.layers.get(name)
        if layer is not None:  # the group name draws the layer's default indicator
            return self.layers[wms_layer_name(layer.id, layer.default_indicator)]
        raise OgcError("LayerNotDefined", f"no layer '{name}'", "LAYERS")

    def __deepcopy__(self, memo: dict[int, Any]) -> WmsLayers:
        # pygeoapi deep-copies its configuration, which carries this object: share it.
        return self

    def periods(self, catalog: Catalog, wms_layer: WmsLayer) -> tuple[str, ...]:
        """Periods in which at least one feature of the layer has a value of the indicator."""
        return layer_periods(catalog, wms_layer.layer, wms_layer.indicator.code)

    def default_period(self, catalog: Catalog, wms_layer: WmsLayer) -> str | None:
        """The latest period with data (what a request without TIME draws)."""
        return layer_default_period(catalog, wms_layer.layer, wms_layer.indicator.code)

    def advertised(self, catalog: Catalog) -> list[WmsLayer]:
        """The layers with data in some period: the others are not offered."""
        return [w for w in self.layers.values() if self.periods(catalog, w)]

    def styled(
        self, catalog: Catalog, wms_layer: WmsLayer, period: str | None, style: str | None
    ) -> StyledLayer:
        table = self.context.table(wms_layer.layer.id, catalog)
        style_name = style or wms_layer.layer.style.method
        if style_name not in STYLES and style_name != "default":
            raise OgcError(
                "StyleNotDefined", f"no style '{style}'; valid: {', '.join(STYLES)}", "STYLES"
            )
        if style_name == "default":
            style_name = wms_layer.layer.style.method
        periods = self.periods(catalog, wms_layer)
        chosen = self.default_period(catalog, wms_layer)
        if chosen is None:
            raise OgcError("LayerNotDefined", f"layer '{wms_layer.name}' has no data", "LAYERS")
        if period is not None:
            chosen = wms_time.resolve(period, periods)
            if chosen is None:
                valid = ", ".join(wms_time.advertised(p) for p in periods)
                raise OgcError(
                    "InvalidDimensionValue", f"TIME '{period}' has no data; valid: {valid}", "TIME"
                )
        key = (catalog.version, wms_layer.name, chosen, style_name)

        def build() -> tuple[StyledLayer, int]:
            styled = self._build(catalog, table, wms_layer, chosen, style_name)
            # Geometries are the feature table's (shared); colours and legend per feature.
            return styled, STYLED_BYTES_PER_FEATURE * len(table)

        return self._styled.get_or_build(key, build)

    def _build(
        self, catalog: Catalog, table: FeatureTable, wms_layer: WmsLayer, period: str, style: str
    ) -> StyledLayer:
        indicator = registry_for(catalog)[wms_layer.indicator.code]
        values = published_values(
            catalog, indicator, wms_layer.layer.level, period, self.context.tables.policy
        )
        style_def = wms_layer.layer.style
        classified = classify_places(
            values.frame.reindex(list(table.ids)), style, style_def.classes, style_def.palette
        )
        data = MapData(
            key=(catalog.version, wms_layer.name, period, style),
            kind="polygon" if wms_layer.layer.geometry == "polygon" else "point",
            geometries=table.geojson_geometries,
            colors=tuple(classified.colors),
            bands=table.bands,
        )
        return StyledLayer(
            wms_layer, period, style, values, classified.classification, classified.legend, data
        )


__all__ = ["MISSING_COLOR", "STYLES", "StyledLayer", "WmsLayer", "WmsLayers"]
