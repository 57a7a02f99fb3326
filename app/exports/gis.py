"""GIS writers through GDAL (pyogrio): GeoPackage, zipped Shapefile and KML (GeoJSON is
written without GDAL: app/exports/formats.py)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from app.errors import InvalidParameterError
from app.exports.download import Download

SHAPEFILE_NAMES = {
    "denominator": "denominatr",
    "n_establishments": "n_estab",
    "suppressed_range": "supp_range",
}


def _layer(download: Download) -> gpd.GeoDataFrame:
    if download.geo is None:
        raise InvalidParameterError("this resource has no geometry: use f=csv or f=xlsx")
    return download.geo


def _ogr_files(frame: gpd.GeoDataFrame, name: str, driver: str, suffix: str) -> dict[str, bytes]:
    """Write with GDAL into a temporary folder and return every file it made."""
    with tempfile.TemporaryDirectory(prefix="siep-export-") as folder:
        path = Path(folder) / f"{name}{suffix}"
        pyogrio.write_dataframe(frame, path, driver=driver, layer=name)
        return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def write_gpkg(download: Download) -> bytes:
    files = _ogr_files(_layer(download), download.filename, "GPKG", ".gpkg")
    return files[f"{download.filename}.gpkg"]


def write_kml(download: Download) -> bytes:
    frame = _layer(download).rename(columns={"name": "Name", "display": "Description"})
    files = _ogr_files(frame, download.filename, "KML", ".kml")
    return files[f"{download.filename}.kml"]


def write_shapefile_zip(download: Download) -> bytes:
    frame = _layer(download).rename(columns=SHAPEFILE_NAMES)
    files = _ogr_files(frame, download.filename, "ESRI Shapefile", ".shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
