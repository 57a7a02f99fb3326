"""Mount the OGC services on the app (pygeoapi at /ogc, WMS at /wms, WFS at /wfs)."""

from __future__ import annotations

from fastapi import FastAPI

from app.catalog.holder import CatalogHolder
from app.layers import default_layers
from app.ogc.context import OgcContext, register_context
from app.ogc.endpoints import router as ogc_router
from app.ogc.features import FeatureTables
from app.ogc.ogcapi import OgcApiGateway
from app.ogc.pygeoapi_app import build_pygeoapi_app
from app.ogc.wfs import WfsService
from app.ogc.wms import WmsService
from app.settings import Settings
from app.stats.suppress import SuppressionPolicy


def mount_ogc(app: FastAPI, settings: Settings, holder: CatalogHolder) -> None:
    """Attach /ogc, /wms and /wfs to `app`."""
    layers = default_layers()
    policy = SuppressionPolicy.from_text(
        settings.suppression_threshold, settings.suppression_levels
    )
    tables = FeatureTables(layers, settings.public_url, policy)
    context = OgcContext(settings, holder, layers, tables)
    register_context(context)
    gateway = OgcApiGateway(build_pygeoapi_app(settings, layers, has_maps=True), context)
    app.add_route("/ogc", gateway, include_in_schema=False)  # type: ignore[arg-type]
    app.mount("/ogc", gateway)
    app.state.wfs_service = WfsService(context)
    app.state.wms_service = WmsService(context)
    app.include_router(ogc_router)
    app.state.ogc = context
    app.state.ogc_gateway = gateway
