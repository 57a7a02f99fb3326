"""The OGC services' shared state: catalog holder, feature tables and renderer.

pygeoapi instantiates provider classes itself (from dotted names in its config), so providers
cannot receive arguments: mount_ogc registers the context here and providers look it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.holder import CatalogHolder
from app.catalog.snapshot import Catalog
from app.layers import LayerSet
from app.ogc.features import FeatureTable, FeatureTables
from app.settings import Settings


@dataclass(frozen=True)
class OgcContext:
    settings: Settings
    holder: CatalogHolder
    layers: LayerSet
    tables: FeatureTables

    def table(self, layer_id: str, catalog: Catalog | None = None) -> FeatureTable:
        return self.tables.table(catalog or self.holder.catalog, layer_id)


_current: OgcContext | None = None


def register_context(context: OgcContext) -> None:
    global _current
    _current = context


def current_context() -> OgcContext:
    if _current is None:
        raise RuntimeError("mount_ogc has not registered the OGC context")
    return _current
