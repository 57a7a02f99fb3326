"""WMS 1.3.0 (and 1.1.1): GetCapabilities, GetMap, GetFeatureInfo, GetLegendGraphic.

Axis order: WMS 1.3.0 with EPSG:4326 takes BBOX as lat,lon (minlat,minlon,maxlat,maxlon);
CRS:84, WMS 1.1.1 and the projected CRSs take x,y. Extra client parameters (DPI,
MAP_RESOLUTION, FORMAT_OPTIONS, ...) are accepted and ignored. Whole answers are not cached
here (the process-wide response cache keeps them, by ETag); styled layers and their prepared
geometries are, per catalog version.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import shapely
from shapely.geometry import Point, box

from app.catalog.snapshot import Catalog
from app.domain.display import MISSING_TEXT
from app.errors import InvalidParameterError
from app.ogc.context import OgcContext
from app.ogc.crs import CrsInfo, parse_crs, transformer
from app.ogc.exceptions import OgcError
from app.ogc.templating import render
from app.ogc.wfs import OgcResponse
from app.ogc.wms_capabilities import LayerEntry, capabilities_xml
from app.ogc.wms_layers import StyledLayer, WmsLayers
from app.params import parse_bbox, parse_number
from app.render.legend import render_legend
from app.render.mapnik_render import ImageFormat, View, render_map
from app.stats.classify import MISSING_COLOR, format_number

FORMATS: dict[str, ImageFormat] = {
    "image/png": "png",
    "image/png; mode=8bit": "png8",
    "image/png;mode=8bit": "png8",
    "image/png8": "png8",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
}
MEDIA_TYPES = {"png": "image/png", "png8": "image/png", "jpeg": "image/jpeg"}
INFO_FORMATS = ("text/html", "application/json", "text/xml", "text/plain")
PICK_TOLERANCE_PX = 6


@dataclass(frozen=True)
class MapRequest:
    version: str
    layers: tuple[str, ...]
    styles: tuple[str, ...]
    crs: CrsInfo
    crs_name: str
    bbox: tuple[float, float, float, float]  # x/y order in the CRS
    width: int
    height: int
    image_format: ImageFormat
    transparent: bool
    background: str
    time: str | None


class WmsService:
    def __init__(self, context: OgcContext, layers: WmsLayers) -> None:
        self.context = context
        self.layers = layers
        self.max_size = context.settings.wms_max_size

    def is_warm(self) -> bool:
        """Whether every layer's feature table is built for the current catalog (so a GetMap
        does no seconds-long work)."""
        catalog = self.context.holder.catalog
        return all(self.context.tables.ready(catalog, layer.id) for layer in self.context.layers)

    @staticmethod
    def version_of(params: dict[str, str]) -> str:
        version = params.get("VERSION") or params.get("WMTVER") or "1.3.0"
        return "1.1.1" if version.startswith("1.1") else "1.3.0"

    def handle(self, params: dict[str, str], base_url: str) -> OgcResponse:
        """Answer a KVP request; `params` has upper-cased keys, `base_url` is the service root."""
        service = params.get("SERVICE")
        if service is not None and service.upper() not in ("WMS", ""):
            raise OgcError(
                "InvalidParameterValue", f"SERVICE must be WMS, not '{service}'", "SERVICE"
            )
        request = (params.get("REQUEST") or "").lower()
        if not request:
            raise OgcError("MissingParameterValue", "REQUEST is required", "REQUEST")
        version = self.version_of(params)
        catalog = self.context.holder.catalog
        if request in ("getcapabilities", "capabilities"):
            return self.get_capabilities(catalog, version, f"{base_url}/wms")
        if request in ("getmap", "map"):
            return self.get_map(catalog, self._map_request(params, version, "LAYERS"))
        if request == "getfeatureinfo":
            return self.get_feature_info(catalog, params, version, base_url)
        if request == "getlegendgraphic":
            return self.get_legend_graphic(catalog, params)
        raise OgcError(
            "OperationNotSupported", f"unknown request '{params.get('REQUEST')}'", "REQUEST"
        )

    # ---- GetCapabilities ------------------------------------------------------------------
    def get_capabilities(self, catalog: Catalog, version: str, url: str) -> OgcResponse:
        entries = []
        for wms_layer in self.layers.advertised(catalog):
            table = self.context.table(wms_layer.layer.id, catalog)
            entries.append(
                LayerEntry(wms_layer, table.extent, self.layers.periods(catalog, wms_layer))
            )
        layers = self.context.layers
        abstracts = {layer.id: self.context.abstract(layer, catalog) for layer in layers}
        limits = (self.context.settings.wms_max_layers, self.max_size)
        body = capabilities_xml(url, version, layers, entries, abstracts, limits)
        return OgcResponse(body, self._capabilities_media(version))

    @staticmethod
    def _capabilities_media(version: str) -> str:
        return "text/xml" if version == "1.3.0" else "application/vnd.ogc.wms_xml"

    # ---- GetMap ---------------------------------------------------------------------------
    def _map_request(self, params: dict[str, str], version: str, layers_key: str) -> MapRequest:
        names = tuple(n for n in (params.get(layers_key) or "").split(",") if n)
        if not names:
            raise OgcError("MissingParameterValue", f"{layers_key} is required", layers_key)
        max_layers = self.context.settings.wms_max_layers
        if len(names) > max_layers:
            # Each layer is styled and drawn: 700 of them took 53 s and 345 MB (issue 13).
            raise OgcError(
                "InvalidParameterValue",
                f"{layers_key} names at most {max_layers} layers",
                layers_key,
            )
        styles = tuple((params.get("STYLES") or "").split(","))
        crs_key = "CRS" if version == "1.3.0" else "SRS"
        crs_name = params.get(crs_key) or params.get("CRS") or params.get("SRS")
        if not crs_name:
            raise OgcError("MissingParameterValue", f"{crs_key} is required", crs_key)
        code = "InvalidCRS" if version == "1.3.0" else "InvalidSRS"
        crs = parse_crs(crs_name, short_4326_is_lat_lon=version == "1.3.0", code=code)
        bbox = self._bbox(params.get("BBOX"), crs)
        width = self._size(params.get("WIDTH"), "WIDTH")
        height = self._size(params.get("HEIGHT"), "HEIGHT")
        fmt_name = (params.get("FORMAT") or "image/png").strip().lower()
        image_format = FORMATS.get(fmt_name)
        if image_format is None:
            raise OgcError(
                "InvalidFormat",
                f"FORMAT '{fmt_name}' not offered; use {', '.join(FORMATS)}",
                "FORMAT",
            )
        transparent = (params.get("TRANSPARENT") or "FALSE").upper() == "TRUE"
        background = (params.get("BGCOLOR") or "0xFFFFFF").lower().replace("0x", "#")
        if len(background) != 7 or any(c not in "0123456789abcdef" for c in background[1:]):
            raise OgcError("InvalidParameterValue", "BGCOLOR must be 0xRRGGBB", "BGCOLOR")
        time = params.get("TIME") or None
        return MapRequest(
            version,
            names,
            styles,
            crs,
            crs_name,
            bbox,
            width,
            height,
            image_format,
            transparent,
            background,
            time,
        )

    @staticmethod
    def _bbox(text: str | None, crs: CrsInfo) -> tuple[float, float, float, float]:
        if not text:
            raise OgcError("MissingParameterValue", "BBOX is required", "BBOX")
        try:
            a, b, c, d = parse_bbox(text, "BBOX")
        except InvalidParameterError as exc:
            raise OgcError("InvalidParameterValue", exc.message, "BBOX") from None
        if crs.is_lat_lon:
            a, b, c, d = b, a, d, c
        if a >= c or b >= d:
            raise OgcError("InvalidParameterValue", "BBOX minimum must be below maximum", "BBOX")
        return (a, b, c, d)

    def _size(self, text: str | None, name: str) -> int:
        if not text:
            raise OgcError("MissingParameterValue", f"{name} is required", name)
        try:
            value = int(text)
        except ValueError:
            raise OgcError("InvalidParameterValue", f"{name} must be an integer", name) from None
        if not 1 <= value <= self.max_size:
            raise OgcError("InvalidParameterValue", f"{name} must be 1 to {self.max_size}", name)
        return value

    def _styled_layers(self, catalog: Catalog, request: MapRequest) -> list[StyledLayer]:
        styled = []
        for i, name in enumerate(request.layers):
            wms_layer = self.layers.resolve(name)
            style = request.styles[i] if i < len(request.styles) else ""
            styled.append(self.layers.styled(catalog, wms_layer, request.time, style or None))
        return styled

    def get_map(self, catalog: Catalog, request: MapRequest) -> OgcResponse:
        styled = self._styled_layers(catalog, request)
        view = View(
            request.bbox,
            request.width,
            request.height,
            request.crs.epsg,
            request.image_format,
            request.transparent,
            request.background,
        )
        image = render_map([s.map_data for s in styled], view)
        return OgcResponse(image, MEDIA_TYPES[request.image_format])

    # ---- GetFeatureInfo -------------------------------------------------------------------
    def get_feature_info(
        self, catalog: Catalog, params: dict[str, str], version: str, base_url: str
    ) -> OgcResponse:
        request = self._map_request(
            {**params, "LAYERS": params.get("QUERY_LAYERS") or params.get("LAYERS") or ""},
            version,
            "LAYERS",
        )
        i_key, j_key = ("I", "J") if version == "1.3.0" else ("X", "Y")
        i = self._pixel(params.get(i_key) or params.get("X"), i_key, request.width)
        j = self._pixel(params.get(j_key) or params.get("Y"), j_key, request.height)
        info_format = (params.get("INFO_FORMAT") or "text/html").lower()
        if info_format not in INFO_FORMATS:
            raise OgcError(
                "InvalidFormat",
                f"INFO_FORMAT must be one of {', '.join(INFO_FORMATS)}",
                "INFO_FORMAT",
            )
        try:
            count = max(1, int(params.get("FEATURE_COUNT") or "1"))
        except ValueError:
            raise OgcError(
                "InvalidParameterValue", "FEATURE_COUNT must be an integer", "FEATURE_COUNT"
            ) from None
        minx, miny, maxx, maxy = request.bbox
        x = minx + (i + 0.5) / request.width * (maxx - minx)
        y = maxy - (j + 0.5) / request.height * (maxy - miny)
        tol_x = PICK_TOLERANCE_PX * (maxx - minx) / request.width
        tol_y = PICK_TOLERANCE_PX * (maxy - miny) / request.height
        pick = box(x - tol_x, y - tol_y, x + tol_x, y + tol_y)
        point = Point(x, y)
        if request.crs.epsg != 4326:
            to_4326 = transformer(request.crs.epsg, 4326).transform
            pick = shapely.ops.transform(to_4326, pick)
            point = shapely.ops.transform(to_4326, point)
        hits = []
        for styled in self._styled_layers(catalog, request):
            table = self.context.table(styled.wms_layer.layer.id, catalog)
            is_polygon = styled.wms_layer.layer.geometry == "polygon"
            found = []
            for position, geom in enumerate(table.geometries):
                if geom is None:
                    continue
                if (is_polygon and geom.contains(point)) or (
                    not is_polygon and geom.intersects(pick)
                ):
                    found.append((geom.distance(point), position))
            for _, position in sorted(found)[:count]:
                props = table.feature_properties(position, base_url, ["name", "series_url"])
                hits.append(self._hit(styled, table.ids[position], props))
        return self._info_response(hits, info_format)

    @staticmethod
    def _pixel(text: str | None, name: str, limit: int) -> int:
        if text is None:
            raise OgcError("MissingParameterValue", f"{name} is required", name)
        try:
            return int(parse_number(text, name, 0, limit - 1))
        except InvalidParameterError as exc:
            raise OgcError("InvalidPoint", exc.message, name) from None

    @staticmethod
    def _hit(styled: StyledLayer, code: str, props: dict[str, object]) -> dict[str, object]:
        row = styled.values.frame.loc[code] if code in styled.values.frame.index else None
        value = None if row is None or row["value"] != row["value"] else float(row["value"])
        return {
            "layer": styled.wms_layer.name,
            "code": code,
            "name": props.get("name"),
            "indicator": styled.wms_layer.indicator.code,
            "label": styled.wms_layer.indicator.label_es,
            "unit": styled.wms_layer.indicator.unit,
            "period": styled.period,
            "value": value,
            "display": format_number(value) if value is not None else MISSING_TEXT["es"],
            "series_url": props.get("series_url"),
        }

    @staticmethod
    def _info_response(hits: list[dict[str, object]], info_format: str) -> OgcResponse:
        if info_format == "application/json":
            features = [
                {"type": "Feature", "id": h["code"], "geometry": None, "properties": h}
                for h in hits
            ]
            return OgcResponse(
                orjson.dumps({"type": "FeatureCollection", "features": features}),
                "application/json",
            )
        if info_format == "text/xml":
            return OgcResponse(render("wms/feature_info.xml", hits=hits).encode(), "text/xml")
        if info_format == "text/plain":
            text = "\n".join(
                f"{h['layer']} {h['code']} {h['name']}: {h['display']} ({h['period']})"
                for h in hits
            )
            return OgcResponse((text or "Sin resultados").encode(), "text/plain")
        return OgcResponse(render("wms/feature_info.html", hits=hits).encode(), "text/html")

    # ---- GetLegendGraphic -----------------------------------------------------------------
    def get_legend_graphic(self, catalog: Catalog, params: dict[str, str]) -> OgcResponse:
        name = params.get("LAYER") or params.get("LAYERS")
        if not name:
            raise OgcError("MissingParameterValue", "LAYER is required", "LAYER")
        wms_layer = self.layers.resolve(name)
        fmt_name = (params.get("FORMAT") or "image/png").lower()
        image_format = FORMATS.get(fmt_name)
        if image_format is None:
            raise OgcError("InvalidFormat", f"FORMAT '{fmt_name}' not offered", "FORMAT")
        styled = self.layers.styled(
            catalog, wms_layer, params.get("TIME") or None, params.get("STYLE") or None
        )
        entries = [(entry.color, entry.label) for entry in styled.legend]
        entries.append((MISSING_COLOR, MISSING_TEXT["es"]))
        title = f"{wms_layer.indicator.label_es} ({styled.period})"
        fmt = "jpeg" if image_format == "jpeg" else "png"
        return OgcResponse(render_legend(title, entries, fmt), MEDIA_TYPES[image_format])
