"""WMS GetCapabilities documents (1.3.0 and 1.1.1) derived from the layer definitions."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote
from xml.sax.saxutils import escape

from app.layers import LayerSet
from app.ogc.crs import transformer
from app.ogc.features import BBox
from app.ogc.wms_layers import STYLE_TITLES, STYLES, WmsLayer

CRS_LIST = ("EPSG:4326", "CRS:84", "EPSG:3857", "EPSG:32718")
MAP_FORMATS = ("image/png", "image/png; mode=8bit", "image/jpeg")
INFO_FORMATS = ("text/html", "application/json", "text/xml", "text/plain")
Entry = tuple[WmsLayer, BBox, tuple[str, ...], str | None]


def _bboxes(extent: BBox, version: str) -> str:
    minx, miny, maxx, maxy = extent
    crs_attr = "CRS" if version == "1.3.0" else "SRS"
    parts = []
    for crs in CRS_LIST:
        if crs == "CRS:84" and version != "1.3.0":
            continue
        if crs == "EPSG:4326":
            a, b, c, d = (
                (miny, minx, maxy, maxx) if version == "1.3.0" else (minx, miny, maxx, maxy)
            )
        elif crs == "CRS:84":
            a, b, c, d = minx, miny, maxx, maxy
        else:
            epsg = int(crs.split(":")[1])
            a, b, c, d = transformer(4326, epsg).transform_bounds(minx, miny, maxx, maxy)
        parts.append(
            f'<BoundingBox {crs_attr}="{crs}" minx="{a:.6f}" miny="{b:.6f}" maxx="{c:.6f}" maxy="{d:.6f}"/>'
        )
    return "".join(parts)


def _geographic(extent: BBox, version: str) -> str:
    minx, miny, maxx, maxy = extent
    if version == "1.3.0":
        return (
            f"<EX_GeographicBoundingBox><westBoundLongitude>{minx:.6f}</westBoundLongitude>"
            f"<eastBoundLongitude>{maxx:.6f}</eastBoundLongitude>"
            f"<southBoundLatitude>{miny:.6f}</southBoundLatitude>"
            f"<northBoundLatitude>{maxy:.6f}</northBoundLatitude></EX_GeographicBoundingBox>"
        )
    return f'<LatLonBoundingBox minx="{minx:.6f}" miny="{miny:.6f}" maxx="{maxx:.6f}" maxy="{maxy:.6f}"/>'


def _styles(url: str, name: str, default: str) -> str:
    out = []
    for style in sorted(STYLES, key=lambda s: s != default):
        legend = (
            f"{url}?SERVICE=WMS&amp;VERSION=1.3.0&amp;REQUEST=GetLegendGraphic&amp;FORMAT=image/png"
            f"&amp;LAYER={quote(name)}&amp;STYLE={style}"
        )
        out.append(
            f"<Style><Name>{style}</Name><Title>{escape(STYLE_TITLES[style])}</Title>"
            f'<LegendURL width="200" height="140"><Format>image/png</Format>'
            f'<OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
            f'xlink:href="{legend}"/></LegendURL></Style>'
        )
    return "".join(out)


def _dimension(periods: tuple[str, ...], default: str | None, version: str) -> str:
    if not periods:
        return ""
    values = ",".join(periods)
    default_attr = f' default="{escape(default)}"' if default else ""
    if version == "1.3.0":
        return f'<Dimension name="time" units="ISO8601"{default_attr} nearestValue="0">{values}</Dimension>'
    return (
        '<Dimension name="time" units="ISO8601"/>'
        f'<Extent name="time"{default_attr} nearestValue="0">{values}</Extent>'
    )


def _layer(url: str, version: str, entry: Entry) -> str:
    wms_layer, extent, periods, default = entry
    return (
        f'<Layer queryable="1" opaque="0"><Name>{escape(wms_layer.name)}</Name>'
        f"<Title>{escape(wms_layer.title)}</Title>"
        f"<Abstract>{escape(wms_layer.indicator.description or wms_layer.indicator.label_es)} "
        f"({escape(wms_layer.indicator.unit)})</Abstract>"
        f"{_geographic(extent, version)}{_bboxes(extent, version)}"
        f"{_dimension(periods, default, version)}"
        f"{_styles(url, wms_layer.name, wms_layer.layer.style.method)}</Layer>"
    )


def _operation(name: str, formats: Sequence[str], url: str) -> str:
    fmt = "".join(f"<Format>{escape(f)}</Format>" for f in formats)
    return (
        f"<{name}>{fmt}<DCPType><HTTP><Get><OnlineResource "
        f'xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
        f'xlink:href="{escape(url)}?"/></Get></HTTP></DCPType></{name}>'
    )


def capabilities_xml(
    url: str, version: str, layers: LayerSet, entries: Sequence[Entry], max_size: int
) -> bytes:
    groups = []
    for layer in layers:
        children = [e for e in entries if e[0].layer.id == layer.id]
        if not children:
            continue
        extent = children[0][1]
        has_default = any(e[0].indicator.code == layer.default_indicator for e in children)
        name = f"<Name>{layer.id}</Name>" if has_default else ""
        groups.append(
            f'<Layer queryable="1">{name}<Title>{escape(layer.title)}</Title>'
            f"<Abstract>{escape(layer.description.strip())}</Abstract>"
            f"{_geographic(extent, version)}{_bboxes(extent, version)}"
            f"{_styles(url, layer.id, layer.style.method)}"
            f"{''.join(_layer(url, version, e) for e in children)}</Layer>"
        )
    crs_tag = "CRS" if version == "1.3.0" else "SRS"
    crs_list = [c for c in CRS_LIST if version == "1.3.0" or c != "CRS:84"]
    crs = "".join(f"<{crs_tag}>{c}</{crs_tag}>" for c in crs_list)
    cap_formats = ("text/xml",) if version == "1.3.0" else ("application/vnd.ogc.wms_xml",)
    exceptions = ("XML",) if version == "1.3.0" else ("application/vnd.ogc.se_xml",)
    request = (
        _operation("GetCapabilities", cap_formats, url)
        + _operation("GetMap", MAP_FORMATS, url)
        + _operation("GetFeatureInfo", INFO_FORMATS, url)
    )
    if version == "1.3.0":
        head = (
            '<WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/wms '
            'http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd">'
        )
        tail = "</WMS_Capabilities>"
        limits = f"<MaxWidth>{max_size}</MaxWidth><MaxHeight>{max_size}</MaxHeight>"
    else:
        head = '<WMT_MS_Capabilities version="1.1.1">'
        tail = "</WMT_MS_Capabilities>"
        limits = ""
    service = (
        "<Service><Name>WMS</Name><Title>SIEP-Perú WMS</Title>"
        "<Abstract>Mapas coropléticos y de establecimientos del sistema penitenciario del Perú "
        "(INPE).</Abstract>"
        "<KeywordList><Keyword>INPE</Keyword><Keyword>Perú</Keyword></KeywordList>"
        f'<OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
        f'xlink:href="{escape(url)}"/><Fees>none</Fees><AccessConstraints>none</AccessConstraints>'
        f"{limits}</Service>"
    )
    exception_tags = "".join(f"<Format>{e}</Format>" for e in exceptions)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}{service}<Capability>'
        f"<Request>{request}</Request><Exception>{exception_tags}</Exception>"
        f"<Layer><Title>SIEP-Perú</Title>{crs}"
        f"{_geographic((-81.5, -18.5, -68.5, 0.1), version)}"
        f"{''.join(groups)}</Layer></Capability>{tail}"
    )
    return body.encode()
