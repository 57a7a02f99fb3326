"""Mount the OGC services on the app (pygeoapi, WMS, WFS)."""

from __future__ import annotations

from fastapi import FastAPI

from app.catalog.holder import CatalogHolder
from app.settings import Settings


def mount_ogc(app: FastAPI, settings: Settings, holder: CatalogHolder) -> None:
    """Attach /ogc, /wms and /wfs to `app`."""
