"""Encode one tile of a layer as a Mapbox Vector Tile 2.1 (one layer, named after the
collection).

Features carry the same properties as in OGC API Features (the table's rows; missing values
are left out, as MVT has no null). Polygons are clipped to the tile plus a buffer; every
geometry is scaled to the tile's integer grid (y down) with numpy, and the command stream
(MVT spec 4.3) is written here: mapbox-vector-tile's own encoder walks every vertex in Python
and took 150-280 ms for a zoom 0-5 tile of the provincias (measured), ten times this one.
Only its protobuf schema (vector_tile_pb2) is used to write the message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2

from app.domain.features import FeatureTable
from app.tiles.grid import BBox
from app.tiles.properties import LayerProperties, ValueKey
from app.tiles.sources import PreparedLayer

EXTENT = 4096
BUFFER = 64  # in tile units: polygons extend this far past the edge (no seams when drawn)
MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7
POINT, POLYGON = 1, 3


def buffered(bounds: BBox, units: int = BUFFER) -> BBox:
    minx, miny, maxx, maxy = bounds
    pad_x = (maxx - minx) * units / EXTENT
    pad_y = (maxy - miny) * units / EXTENT
    return (minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)


def _command(command: int, count: int) -> int:
    return (command & 0x7) | (count << 3)


def _zigzag(values: np.ndarray) -> np.ndarray:
    zigzagged: np.ndarray = (values << 1) ^ (values >> 63)
    return zigzagged


def _split(stream: np.ndarray, ends: np.ndarray) -> list[list[int]]:
    """Cut one command stream into per-feature lists at the cumulative `ends`."""
    flat = stream.tolist()
    starts = [0, *ends[:-1].tolist()]
    return [flat[a:b] for a, b in zip(starts, ends.tolist(), strict=True)]


def _point_commands(coords: np.ndarray) -> list[list[int]]:
    stream = np.empty((len(coords), 3), dtype=np.int64)
    stream[:, 0] = _command(MOVE_TO, 1)
    stream[:, 1:] = _zigzag(coords)  # each feature starts from the cursor at (0, 0)
    return _split(stream.ravel(), np.arange(3, 3 * len(coords) + 1, 3))


def _polygon_commands(coords: np.ndarray, offsets: tuple[np.ndarray, ...]) -> list[list[int]]:
    """Commands of each (multi)polygon given as vertices and offsets (see `_rings`), in tile
    units: consecutive repeated vertices dropped, rings without area dropped (with the holes
    of a dropped exterior), exterior rings turned to positive area (spec 4.3.4.4)."""
    ring_offsets, part_offsets = offsets[0], offsets[1]
    geom_offsets = offsets[2] if len(offsets) == 3 else np.arange(len(part_offsets))
    ring_count = len(ring_offsets) - 1
    ring_of = np.repeat(np.arange(ring_count), np.diff(ring_offsets))
    repeated = np.zeros(len(coords), dtype=bool)
    repeated[1:] = np.all(coords[1:] == coords[:-1], axis=1) & (ring_of[1:] == ring_of[:-1])
    coords, ring_of = coords[~repeated], ring_of[~repeated]
    sizes = np.bincount(ring_of, minlength=ring_count)
    closing = np.cumsum(sizes)[sizes >= 2] - 1  # the repeated first vertex that closes a ring
    keep = np.ones(len(coords), dtype=bool)
    keep[closing] = False
    coords, ring_of = coords[keep], ring_of[keep]
    sizes = np.bincount(ring_of, minlength=ring_count)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # Signed area (surveyor's formula, y down) of each ring.
    local = np.arange(len(coords)) - starts[ring_of]
    following = np.where(local + 1 == sizes[ring_of], starts[ring_of], np.arange(len(coords)) + 1)
    x, y = coords[:, 0], coords[:, 1]
    terms = x * y[following] - x[following] * y
    area = np.bincount(ring_of, weights=terms, minlength=ring_count)
    part_of_ring = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
    is_exterior = np.zeros(ring_count, dtype=bool)
    is_exterior[part_offsets[:-1][np.diff(part_offsets) > 0]] = True
    is_kept = (sizes >= 3) & (area != 0)
    has_rings = np.diff(part_offsets) > 0
    exterior_kept = np.zeros(len(has_rings), dtype=bool)
    exterior_kept[has_rings] = is_kept[part_offsets[:-1][has_rings]]
    is_kept &= exterior_kept[part_of_ring]  # holes go with their exterior
    is_reversed = (area > 0) != is_exterior
    order = np.where(
        is_reversed[ring_of], starts[ring_of] + sizes[ring_of] - 1 - local, np.arange(len(coords))
    )
    coords = coords[order]
    vertex_kept = is_kept[ring_of]
    coords, ring_of, local = coords[vertex_kept], ring_of[vertex_kept], local[vertex_kept]
    geom_of_part = np.repeat(np.arange(len(geom_offsets) - 1), np.diff(geom_offsets))
    geom_of = geom_of_part[part_of_ring[ring_of]]
    # The cursor carries from one ring to the next within a feature and starts at (0, 0).
    deltas = np.diff(coords, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    first_of_feature = np.ones(len(coords), dtype=bool)
    first_of_feature[1:] = geom_of[1:] != geom_of[:-1]
    deltas[first_of_feature] = coords[first_of_feature]
    kept_rings = np.flatnonzero(is_kept)
    lengths = 2 * sizes[kept_rings] + 3  # MoveTo, x, y, LineTo, 2(n - 1) values, ClosePath
    ring_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    slot = np.full(ring_count, -1)
    slot[kept_rings] = np.arange(len(kept_rings))
    stream = np.empty(int(lengths.sum()), dtype=np.int64)
    stream[ring_starts] = _command(MOVE_TO, 1)
    stream[ring_starts + 3] = LINE_TO | ((sizes[kept_rings] - 1) << 3)
    stream[ring_starts + lengths - 1] = _command(CLOSE_PATH, 1)
    position = ring_starts[slot[ring_of]] + 1 + 2 * local + (local > 0)
    zigzagged = _zigzag(deltas)
    stream[position], stream[position + 1] = zigzagged[:, 0], zigzagged[:, 1]
    geom_count = len(geom_offsets) - 1
    per_geom = np.bincount(
        geom_of_part[part_of_ring[kept_rings]], weights=lengths, minlength=geom_count
    )
    return _split(stream, np.cumsum(per_geom).astype(np.int64))


def _tile_coords(coords: np.ndarray, bounds: BBox) -> np.ndarray:
    """Grid CRS -> integer tile units, origin top left, y down."""
    minx, _, maxx, maxy = bounds
    scale = EXTENT / np.array([maxx - minx, maxy - bounds[1]])
    shifted = (coords - np.array([minx, maxy])) * scale * np.array([1.0, -1.0])
    tile_units: np.ndarray = np.round(shifted).astype(np.int64)
    return tile_units


def _tags(layer: Any, properties: LayerProperties, rows: np.ndarray) -> list[list[int]]:
    """Each feature's tags; the layer's values table holds the values of these rows once."""
    layer.keys.extend(properties.keys)
    values: dict[ValueKey, int] = {}
    tags = []
    for row in rows.tolist():
        feature_tags: list[int] = []
        for key_index, value_key in properties.rows[row]:
            value_index = values.get(value_key)
            if value_index is None:
                value_index = values[value_key] = len(values)
                layer.values.add(**{value_key[0]: value_key[1]})
            feature_tags += (key_index, value_index)
        tags.append(feature_tags)
    return tags


def _clipped_commands(
    positions: np.ndarray, geometries: np.ndarray, bounds: BBox
) -> tuple[np.ndarray, list[list[int]]]:
    """Rows and commands of polygons clipped to the buffered tile."""
    window = buffered(bounds)
    covering = shapely.contains_properly(geometries, shapely.box(*window))
    if covering.any():  # inside one polygon (most tiles at high zoom): it fills the tile
        return positions[covering], [FULL_TILE] * int(covering.sum())
    geometries = shapely.clip_by_rect(geometries, *window)
    kept = ~shapely.is_empty(geometries)
    positions, geometries = positions[kept], geometries[kept]
    if not len(positions):
        return positions, []
    return positions, _polygon_commands(*_rings(geometries, bounds))


def _rings(geometries: np.ndarray, bounds: BBox) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Vertices in tile units and the ring, part and geometry offsets of (multi)polygons:
    shapely.to_ragged_array's layout, with a third of its calls (it dominated small tiles)."""
    parts, geom_of_part = shapely.get_parts(geometries, return_index=True)
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    counts = shapely.get_num_coordinates(rings)
    coords = _tile_coords(shapely.get_coordinates(rings), bounds)

    def offsets(owner: np.ndarray, owners: int) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(np.bincount(owner, minlength=owners))))

    ring_offsets = np.concatenate(([0], np.cumsum(counts)))
    part_offsets = offsets(part_of_ring, len(parts))
    return coords, (ring_offsets, part_offsets, offsets(geom_of_part, len(geometries)))


def encode_tile(
    table: FeatureTable, properties: LayerProperties, prepared: PreparedLayer, bounds: BBox
) -> bytes | None:
    """The MVT of the features within `bounds` (grid CRS); None when the tile has none."""
    is_polygon = table.layer.geometry == "polygon"
    positions, geometries = prepared.query(buffered(bounds) if is_polygon else bounds)
    if not len(positions):
        return None
    if is_polygon:
        positions, commands = _clipped_commands(positions, geometries, bounds)
    else:
        commands = _point_commands(_tile_coords(shapely.get_coordinates(geometries), bounds))
    present = np.array([bool(c) for c in commands], dtype=bool)
    if not present.any():
        return None
    tile = vector_tile_pb2.tile()
    layer = tile.layers.add()
    layer.name, layer.version, layer.extent = table.layer.id, 2, EXTENT
    kind = POLYGON if is_polygon else POINT
    tags = _tags(layer, properties, positions[present])
    for geometry, feature_tags in zip((c for c in commands if c), tags, strict=True):
        layer.features.add(type=kind, geometry=geometry, tags=feature_tags)
    encoded: bytes = tile.SerializeToString()
    return encoded


# The buffered tile itself, in tile units: what a polygon covering the whole tile encodes to.
FULL_TILE = _polygon_commands(
    np.array(
        [
            [-BUFFER, -BUFFER],
            [EXTENT + BUFFER, -BUFFER],
            [EXTENT + BUFFER, EXTENT + BUFFER],
            [-BUFFER, EXTENT + BUFFER],
            [-BUFFER, -BUFFER],
        ],
        dtype=np.int64,
    ),
    (np.array([0, 5]), np.array([0, 1])),
)[0]
