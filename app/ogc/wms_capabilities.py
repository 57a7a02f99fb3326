"""WMS GetCapabilities documents (1.3.0 and 1.1.1) from the layer definitions and the catalog,
rendered with templates/wms/capabilities.xml.

Only layers with data are listed; each has a `time` dimension whose default is its latest
period. A group (the published layer) is named, and drawable, when its default indicator has
data; it then carries that indicator's periods and styles too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.features import PERU_BBOX_4326, BBox
from app.layers import LayerDefinition, LayerSet
from app.ogc import wms_time
from app.ogc.crs import transformer
from app.ogc.templating import render
from app.ogc.wms_layers import STYLE_TITLES, STYLES, WmsLayer

CRS_LIST = ("EPSG:4326", "CRS:84", "EPSG:3857", "EPSG:32718")
MAP_FORMATS = ("image/png", "image/png; mode=8bit", "image/jpeg")
INFO_FORMATS = ("text/html", "application/json", "text/xml", "text/plain")


@dataclass(frozen=True)
class LayerEntry:
    """An advertised WMS layer: its extent (lon/lat) and periods with data (sorted)."""

    wms_layer: WmsLayer
    extent: BBox
    periods: tuple[str, ...]

    @property
    def time_values(self) -> tuple[str, ...]:
        """The periods as listed in the `time` dimension (see app/ogc/wms_time.py)."""
        return wms_time.advertised_values(self.periods)

    @property
    def time_default(self) -> str:
        """The latest period (what a GetMap without TIME draws), as listed."""
        return wms_time.advertised(self.periods[-1])


@dataclass(frozen=True)
class Boxes:
    geographic: tuple[str, str, str, str]
    boxes: list[tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Group:
    layer: LayerDefinition
    abstract: str
    box: Boxes
    entries: list[LayerEntry]
    default: LayerEntry | None


def _fmt(values: Sequence[float]) -> tuple[str, ...]:
    return tuple(f"{v:.6f}" for v in values)


def _boxes(extent: BBox, version: str) -> Boxes:
    minx, miny, maxx, maxy = extent
    boxes = []
    for crs in CRS_LIST:
        if crs == "CRS:84" and version != "1.3.0":
            continue
        if crs == "EPSG:4326" and version == "1.3.0":
            values: Sequence[float] = (miny, minx, maxy, maxx)
        elif crs in ("EPSG:4326", "CRS:84"):
            values = extent
        else:
            epsg = int(crs.split(":")[1])
            values = transformer(4326, epsg).transform_bounds(minx, miny, maxx, maxy)
        boxes.append((crs, _fmt(values)))
    minx_s, miny_s, maxx_s, maxy_s = _fmt(extent)
    return Boxes((minx_s, miny_s, maxx_s, maxy_s), boxes)


def _ordered_styles(default: str) -> list[str]:
    return sorted(STYLES, key=lambda s: s != default)


def capabilities_xml(
    url: str,
    version: str,
    layers: LayerSet,
    entries: Sequence[LayerEntry],
    abstracts: dict[str, str],
    limits: tuple[int, int],
) -> bytes:
    """`limits`: the most layers one GetMap may name and the largest WIDTH/HEIGHT (1.3.0
    advertises both: LayerLimit, MaxWidth, MaxHeight)."""
    layer_limit, max_size = limits
    groups = []
    for layer in layers:
        children = [e for e in entries if e.wms_layer.layer.id == layer.id]
        if not children:
            continue
        default = next(
            (e for e in children if e.wms_layer.indicator.code == layer.default_indicator), None
        )
        box = _boxes(children[0].extent, version)
        groups.append(Group(layer, abstracts[layer.id], box, children, default))
    is_v13 = version == "1.3.0"
    document = render(
        "wms/capabilities.xml",
        v13=is_v13,
        url=url,
        crs_attr="CRS" if is_v13 else "SRS",
        crs_list=[c for c in CRS_LIST if is_v13 or c != "CRS:84"],
        root_box=_boxes(PERU_BBOX_4326, version),
        groups=groups,
        map_formats=MAP_FORMATS,
        info_formats=INFO_FORMATS,
        max_size=max_size,
        layer_limit=layer_limit,
        style_titles=STYLE_TITLES,
        ordered_styles=_ordered_styles,
    )
    return document.lstrip().encode()
