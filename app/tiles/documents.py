"""The JSON documents of OGC API Tiles (tile matrix sets, tileset lists, tileset metadata)
and TileJSON 3.0. Links are built from `base` (the server's URL as the client reached it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from app.domain.features import BBox, FieldType
from app.layers import LayerDefinition
from app.tiles.grid import GRIDS, MAX_ZOOM, Grid

DataType = Literal["vector", "map"]
MVT_TYPE = "application/vnd.mapbox-vector-tile"
PNG_TYPE = "image/png"
JSON_TYPE = "application/json"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILESETS = {
    "vector": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
    "map": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map",
}
TILE_PATHS = {"vector": "tiles", "map": "map/tiles"}
FORMATS = {"vector": ("mvt", MVT_TYPE), "map": ("png", PNG_TYPE)}
ATTRIBUTION = "INPE (estadística penitenciaria); límites: INEI, geoBoundaries (CC BY 3.0 IGO)"


def _link(href: str, rel: str, media_type: str, title: str, **extra: object) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": media_type, "title": title, **extra}


def tileset_url(base: str, layer_id: str, data_type: DataType, grid: Grid) -> str:
    return f"{base}/ogc/collections/{layer_id}/{TILE_PATHS[data_type]}/{grid.id}"


def tile_template(base: str, layer_id: str, data_type: DataType, grid: Grid, xyz: bool) -> str:
    """URL template of the tiles: OGC names ({tileMatrix}/...) or XYZ names ({z}/{y}/{x})."""
    path = "{z}/{y}/{x}" if xyz else "{tileMatrix}/{tileRow}/{tileCol}"
    f, _ = FORMATS[data_type]
    return f"{tileset_url(base, layer_id, data_type, grid)}/{path}?f={f}"


def tile_matrix_sets(base: str) -> dict[str, Any]:
    return {
        "tileMatrixSets": [
            {
                "id": grid.id,
                "title": grid.tms.title,
                "uri": grid.tms.uri,
                "crs": grid.tms.crs.srs,
                "links": [
                    _link(f"{base}/ogc/tileMatrixSets/{grid.id}", "self", JSON_TYPE, grid.id)
                ],
            }
            for grid in GRIDS.values()
        ]
    }


def tile_matrix_set(grid: Grid) -> dict[str, Any]:
    document: dict[str, Any] = grid.tms.model_dump(mode="json", exclude_none=True)
    document["tileMatrices"] = document["tileMatrices"][: MAX_ZOOM + 1]
    return document


def _summary(base: str, layer: LayerDefinition, data_type: DataType, grid: Grid) -> dict[str, Any]:
    url = tileset_url(base, layer.id, data_type, grid)
    return {
        "title": f"{layer.title} ({grid.id})",
        "dataType": data_type,
        "crs": grid.tms.crs.srs,
        "tileMatrixSetURI": grid.tms.uri,
        "links": [
            _link(url, "self", JSON_TYPE, "Metadatos del conjunto de teselas"),
            _link(f"{base}/ogc/tileMatrixSets/{grid.id}", REL_TILING_SCHEME, JSON_TYPE, grid.id),
        ],
    }


def tilesets(base: str, layer: LayerDefinition, data_type: DataType) -> dict[str, Any]:
    """/collections/{id}/tiles (vector) or /collections/{id}/map/tiles (map)."""
    url = f"{base}/ogc/collections/{layer.id}/{TILE_PATHS[data_type]}"
    return {
        "links": [
            _link(url, "self", JSON_TYPE, "Conjuntos de teselas"),
            _link(f"{base}/ogc/collections/{layer.id}", "collection", JSON_TYPE, layer.title),
        ],
        "tilesets": [_summary(base, layer, data_type, grid) for grid in GRIDS.values()],
    }


def _limits(grid: Grid, extent: BBox) -> list[dict[str, Any]]:
    """Rows and columns that hold the layer's extent at each zoom."""
    limits = []
    for zoom in range(MAX_ZOOM + 1):
        west, south, east, north = extent
        upper_left = grid.tms.tile(west, north, zoom)
        lower_right = grid.tms.tile(east, south, zoom)
        limits.append(
            {
                "tileMatrix": str(zoom),
                "minTileRow": upper_left.y,
                "maxTileRow": lower_right.y,
                "minTileCol": upper_left.x,
                "maxTileCol": lower_right.x,
            }
        )
    return limits


@dataclass(frozen=True)
class Tileset:
    """One collection's tiles of one kind in one tile matrix set, as seen from `base`."""

    base: str
    layer: LayerDefinition
    data_type: DataType
    grid: Grid
    extent: BBox  # CRS84
    fields: dict[str, FieldType]


def tileset(source: Tileset) -> dict[str, Any]:
    """OGC API Tiles tileset metadata of one collection in one tile matrix set."""
    base, layer, data_type, grid = source.base, source.layer, source.data_type, source.grid
    extent, fields = source.extent, source.fields
    document = _summary(base, layer, data_type, grid)
    f, media_type = FORMATS[data_type]
    document["links"] += [
        _link(
            tile_template(base, layer.id, data_type, grid, xyz=False),
            "item",
            media_type,
            f"Teselas ({f})",
            templated=True,
        ),
        _link(f"{base}/ogc/collections/{layer.id}", "collection", JSON_TYPE, layer.title),
    ]
    if data_type == "vector":
        document["links"].append(
            _link(
                f"{tileset_url(base, layer.id, data_type, grid)}/tilejson.json",
                "describedby",
                JSON_TYPE,
                "TileJSON 3.0",
            )
        )
        document["layers"] = [
            {
                "id": layer.id,
                "title": layer.title,
                "dataType": "vector",
                "geometryDimension": 0 if layer.geometry == "point" else 2,
                "propertiesSchema": {
                    "type": "object",
                    "properties": {name: {"type": kind} for name, kind in fields.items()},
                },
            }
        ]
    document["boundingBox"] = {
        "lowerLeft": [extent[0], extent[1]],
        "upperRight": [extent[2], extent[3]],
        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    }
    document["tileMatrixSetLimits"] = _limits(grid, extent)
    return document


def tilejson(source: Tileset) -> dict[str, Any]:
    """TileJSON 3.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0)."""
    base, layer, data_type, grid = source.base, source.layer, source.data_type, source.grid
    fields = source.fields
    west, south, east, north = source.extent
    document: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": layer.id,
        "description": layer.title,
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [tile_template(base, layer.id, data_type, grid, xyz=True)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, 5],
    }
    if data_type == "vector":
        document["vector_layers"] = [
            {
                "id": layer.id,
                "description": layer.title,
                "fields": {name: kind.capitalize() for name, kind in fields.items()},
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
            }
        ]
    return document


MetadataBuilder = Callable[[Tileset], dict[str, Any]]
