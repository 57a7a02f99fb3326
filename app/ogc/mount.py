"""Mount the OGC services on an app: OGC API routes at /ogc, WMS at /wms, WFS at /wfs.

Everything is built here from the app's settings and catalog holder and kept on `app.state`;
nothing is process-global, so several apps can live in one process.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.catalog.holder import CatalogHolder
from app.domain.features import FeatureTables
from app.layers import default_layers
from app.ogc.context import OgcContext
from app.ogc.endpoints import router as ogc_router
from app.ogc.ogcapi import ROUTES
from app.ogc.pygeoapi_app import PygeoapiApis
from app.ogc.wfs import WfsService
from app.ogc.wms import WmsService
from app.ogc.wms_layers import WmsLayers
from app.settings import Settings
from app.stats.suppress import SuppressionPolicy


def mount_ogc(app: FastAPI, settings: Settings, holder: CatalogHolder) -> None:
    """Attach /ogc, /wms and /wfs to `app`."""
    layers = default_layers()
    policy = SuppressionPolicy.from_text(
        settings.suppression_threshold, settings.suppression_levels
    )
    context = OgcContext(settings, holder, layers, FeatureTables(layers, policy))
    wms_layers = WmsLayers(context)
    app.state.ogc = context
    app.state.ogc_apis = PygeoapiApis(wms_layers)
    app.state.wfs_service = WfsService(context)
    app.state.wms_service = WmsService(context, wms_layers)
    app.router.routes.extend(ROUTES)
    app.include_router(ogc_router)
