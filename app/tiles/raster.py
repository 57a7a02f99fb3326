"""Map tiles: the layer's default WMS layer (default indicator, latest period, default style)
drawn by the WMS render path into a 256-pixel transparent PNG."""

from __future__ import annotations

from app.catalog.snapshot import Catalog
from app.ogc.wms import WmsService
from app.render.mapnik_render import View, render_map
from app.tiles.grid import TILE_SIZE_PX, TileAddress


def render_tile(wms: WmsService, catalog: Catalog, layer_id: str, address: TileAddress) -> bytes:
    """PNG (8-bit, transparent) of one tile; raises OgcError when the layer cannot be drawn."""
    styled = wms.layers.styled(catalog, wms.layers.resolve(layer_id), None, None)
    view = View(
        address.bounds,
        TILE_SIZE_PX,
        TILE_SIZE_PX,
        address.grid.epsg,
        image_format="png8",
        transparent=True,
    )
    return render_map([styled.map_data], view)
