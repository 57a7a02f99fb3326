"""pygeoapi map provider (OGC API Maps): the layer's default indicator drawn with Mapnik, with the
same classes and colours as the WMS and /api/v1/choropleth.

The WMS layers (and their style cache) come in the provider definition (`wms_layers`).
"""

from __future__ import annotations

from typing import Any

from pygeoapi.provider.base import BaseProvider, ProviderInvalidQueryError

from app.domain.features import PERU_BBOX_4326
from app.ogc.exceptions import OgcError
from app.ogc.wms_layers import WmsLayers, wms_layer_name
from app.render.mapnik_render import View, render_map


class CatalogMapProvider(BaseProvider):  # type: ignore[misc]
    """Maps of the layer named by `data`; `options.indicator` picks the indicator."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.layer_id = str(provider_def["data"])
        self.indicator = str((provider_def.get("options") or {}).get("indicator", ""))
        self.wms_layers: WmsLayers = provider_def["wms_layers"]

    def query(
        self,
        style: str | None = None,
        bbox: list[float] | None = None,
        width: int = 500,
        height: int = 300,
        crs: Any = None,
        datetime_: str | None = None,
        transparent: Any = True,
        bbox_crs: Any = None,
        format_: str = "png",
        **kwargs: Any,
    ) -> bytes:
        layers = self.wms_layers
        max_size = layers.context.settings.wms_max_size
        if not (1 <= width <= max_size and 1 <= height <= max_size):
            raise ProviderInvalidQueryError(user_msg=f"width and height must be 1 to {max_size}")
        minx, miny, maxx, maxy = (float(v) for v in (bbox or PERU_BBOX_4326))
        if minx >= maxx or miny >= maxy:
            raise ProviderInvalidQueryError(user_msg="bbox minimum must be below maximum")
        try:
            wms_layer = layers.resolve(wms_layer_name(self.layer_id, self.indicator))
            styled = layers.styled(
                layers.context.holder.catalog, wms_layer, datetime_ or None, style or None
            )
        except OgcError as exc:
            raise ProviderInvalidQueryError(user_msg=exc.message) from None
        is_transparent = str(transparent).lower() not in ("false", "0", "no")
        view = View((minx, miny, maxx, maxy), width, height, 4326, "png", is_transparent)
        return render_map([styled.map_data], view)
