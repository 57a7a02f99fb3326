"""The built-in download formats, registered through the same path outside code would use."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import orjson

from app.errors import InvalidParameterError
from app.exports import jsontext
from app.exports.download import Download, ExportFormat, ExportRegistry

Writer = Callable[[Download], bytes]


def lazy(target: str) -> Writer:
    """A writer imported on first use ('module:function'), so heavy libraries (reportlab,
    python-docx, folium, GDAL writers) do not slow the server's start."""
    module_name, _, function_name = target.partition(":")
    resolved: list[Writer] = []

    def write(download: Download) -> bytes:
        if not resolved:
            resolved.append(getattr(importlib.import_module(module_name), function_name))
        return resolved[0](download)

    return write


write_gpkg = lazy("app.exports.gis:write_gpkg")
write_kml = lazy("app.exports.gis:write_kml")
write_shapefile_zip = lazy("app.exports.gis:write_shapefile_zip")
write_docx = lazy("app.exports.reports:write_docx")
write_pdf = lazy("app.exports.reports:write_pdf")
write_csv = lazy("app.exports.tabular:write_csv")
write_xlsx = lazy("app.exports.tabular:write_xlsx")
write_html = lazy("app.exports.webmap:write_html")
write_datapackage = lazy("app.opendata:write_datapackage")


def write_geojson(download: Download) -> bytes:
    return jsontext.dumps(download.json_body).encode("utf-8")


def write_json(download: Download) -> bytes:
    return orjson.dumps(download.json_body, option=orjson.OPT_SERIALIZE_NUMPY, default=_default)


def _default(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _image_writer(fmt: str) -> Any:
    def write(download: Download) -> bytes:
        if download.image is None:
            raise InvalidParameterError("this resource has no picture: use f=csv or f=json")
        return download.image(fmt)

    return write


BUILTIN_FORMATS = ExportRegistry().register(
    ExportFormat("json", "application/json", "json", write_json, is_attachment=False),
    ExportFormat("geojson", "application/geo+json", "geojson", write_geojson, is_attachment=False),
    ExportFormat("csv", "text/csv; charset=utf-8", "csv", write_csv),
    ExportFormat(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        write_xlsx,
    ),
    ExportFormat(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        write_docx,
    ),
    ExportFormat("pdf", "application/pdf", "pdf", write_pdf),
    ExportFormat("png", "image/png", "png", _image_writer("png"), is_attachment=False),
    ExportFormat("jpg", "image/jpeg", "jpg", _image_writer("jpeg"), is_attachment=False),
    ExportFormat("html", "text/html; charset=utf-8", "html", write_html),
    ExportFormat("gpkg", "application/geopackage+sqlite3", "gpkg", write_gpkg),
    ExportFormat("shp", "application/zip", "zip", write_shapefile_zip),
    ExportFormat("kml", "application/vnd.google-earth.kml+xml", "kml", write_kml),
    ExportFormat("datapackage", "application/zip", "datapackage.zip", write_datapackage),
)
MAP_FORMATS = (
    "geojson",
    "json",
    "csv",
    "xlsx",
    "docx",
    "pdf",
    "png",
    "jpg",
    "html",
    "gpkg",
    "shp",
    "kml",
    "datapackage",
)
TABLE_FORMATS = ("json", "csv", "xlsx", "docx", "pdf", "datapackage")
CHART_FORMATS = ("json", "csv", "xlsx", "docx", "pdf", "png", "jpg", "datapackage")
