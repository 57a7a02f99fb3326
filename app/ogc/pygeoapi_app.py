"""pygeoapi's configuration, OpenAPI document and `API` objects, built per app.

The configuration is generated from layers/*.yaml and kept in memory (no files, no environment
variables, no module reload). pygeoapi writes its base URL into every link, so one `API` is
built per base URL the service is reached at (app.public_url), from the same configuration,
and a few are kept. Providers get the OGC context through their definition (`context`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from app import __version__
from app.bounded_cache import ByteLru
from app.layers import LayerDefinition
from app.ogc.wms_layers import WmsLayers

if TYPE_CHECKING:
    from pygeoapi.api import API

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
DEFAULT_ITEMS = 100
MAX_ITEMS = 2000
MAX_APIS = 16  # distinct base URLs (hosts, proxies) kept at once
API_BYTES = 4 * 1024 * 1024  # a pygeoapi API with its configuration and OpenAPI document
FEATURE_PROVIDER = "app.ogc.providers.features.CatalogFeatureProvider"
MAP_PROVIDER = "app.ogc.providers.maps.CatalogMapProvider"
OPENAPI_PLACEHOLDER = "http://siep.invalid"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-{}"


def _tiles_links(layer_id: str, base_url: str, has_map: bool) -> list[dict[str, str]]:
    """Links to the collection's vector tilesets (app.tiles) and, with a map, its map tilesets."""
    url = f"{base_url}/ogc/collections/{layer_id}"
    links = [
        {
            "type": "application/json",
            "rel": REL_TILESETS.format("vector"),
            "title": "Teselas vectoriales (Mapbox Vector Tile)",
            "href": f"{url}/tiles",
        }
    ]
    if has_map:
        links.append(
            {
                "type": "application/json",
                "rel": REL_TILESETS.format("map"),
                "title": "Teselas del mapa (PNG)",
                "href": f"{url}/map/tiles",
            }
        )
    return links


def _resource(layer: LayerDefinition, layers: WmsLayers, base_url: str) -> dict[str, Any]:
    context = layers.context
    providers: list[dict[str, Any]] = [
        {
            "type": "feature",
            "name": FEATURE_PROVIDER,
            "data": layer.id,
            "context": context,
            "base_url": base_url,
            "id_field": "code",
            "title_field": "name",
            "geom_field": "geometry",
            "crs": [CRS84, EPSG4326],
            "storage_crs": CRS84,
        }
    ]
    has_map = bool(context.periods(layer, layer.default_indicator))
    if layer.is_choropleth and has_map:
        providers.append(
            {
                "type": "map",
                "name": MAP_PROVIDER,
                "data": layer.id,
                "wms_layers": layers,
                "options": {"indicator": layer.default_indicator},
                # bbox arrives lon/lat; declaring EPSG:4326 here stops pygeoapi reprojecting it.
                "crs": EPSG4326,
                "format": {"name": "png", "mimetype": "image/png"},
            }
        )
    extent = context.extent(layer.id)
    extents: dict[str, Any] = {"spatial": {"bbox": list(extent.bbox_4326), "crs": CRS84}}
    if extent.begin is not None and extent.end is not None:
        extents["temporal"] = {"begin": extent.begin, "end": extent.end}
    return {
        "type": "collection",
        "title": {"es": layer.title, "en": layer.title_en},
        "description": context.abstract(layer),
        "keywords": list(layer.keywords),
        "links": _tiles_links(layer.id, base_url, has_map),
        "extents": extents,
        "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS},
        "providers": providers,
    }


def pygeoapi_config(layers: WmsLayers, base_url: str) -> dict[str, Any]:
    """The pygeoapi configuration (as a dict) of the context's layers, served at `base_url`."""
    settings = layers.context.settings
    return {
        "server": {
            "bind": {"host": settings.host, "port": settings.port},
            "url": f"{base_url}/ogc",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["es-PE", "en-US"],
            "cors": True,
            "pretty_print": False,
            "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS},
        },
        "logging": {"level": "CRITICAL"},
        "metadata": {
            "identification": {
                "title": {"es": "SIEP-Perú: OGC API", "en": "SIEP-Perú: OGC API"},
                "description": {
                    "es": "Estadísticas penitenciarias georreferenciadas del Perú (INPE).",
                    "en": "Georeferenced prison statistics of Peru (INPE).",
                },
                "keywords": ["INPE", "Perú", "penitenciario", "estadística"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": base_url,
            },
            "license": {
                "name": "CC-BY 4.0 (datos); fuentes y licencias en geodata/README.md",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
            "provider": {"name": "SIEP-Perú", "url": base_url},
            "contact": {
                "name": "SIEP-Perú",
                "position": "Mantenimiento",
                "address": "Lima",
                "city": "Lima",
                "stateorprovince": "Lima",
                "postalcode": "15001",
                "country": "Perú",
                "phone": "+51-1-000-0000",
                "fax": "+51-1-000-0000",
                "email": "siep@example.org",
                "url": base_url,
                "hours": "Lun-Vie 08:00-17:00",
                "instructions": "Durante el horario de atención",
                "role": "pointOfContact",
            },
        },
        "resources": {
            layer.id: _resource(layer, layers, base_url) for layer in layers.context.layers
        },
    }


def _set_limit_schema(openapi: dict[str, Any]) -> None:
    """QGIS takes its page size from components.parameters.limit.schema (maximum/default);
    pygeoapi writes the limit parameter inline in each path, so publish it there too."""
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS, "default": DEFAULT_ITEMS}
    parameters = openapi.setdefault("components", {}).setdefault("parameters", {})
    parameters["limit"] = {
        "name": "limit",
        "in": "query",
        "description": f"Number of items per page (maximum={MAX_ITEMS}, default={DEFAULT_ITEMS}).",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": schema,
    }


def _openapi_document(layers: WmsLayers) -> dict[str, Any]:
    from pygeoapi.openapi import get_oas  # on first use: see app.ogc.ogcapi

    openapi: dict[str, Any] = get_oas(pygeoapi_config(layers, OPENAPI_PLACEHOLDER))
    _set_limit_schema(openapi)
    openapi["info"]["version"] = __version__
    return openapi


def _with_base_url(document: Any, base_url: str) -> Any:
    """The document with the placeholder base URL replaced in every string."""
    if isinstance(document, dict):
        return {k: _with_base_url(v, base_url) for k, v in document.items()}
    if isinstance(document, list):
        return [_with_base_url(v, base_url) for v in document]
    if isinstance(document, str):
        return document.replace(OPENAPI_PLACEHOLDER, base_url)
    return document


def _build_api(config: dict[str, Any], openapi: dict[str, Any]) -> API:
    """pygeoapi's API; its `setup_logger` (logging.basicConfig) must not change the root
    logger of the process (undone here, as app.main.keep_root_logger does at start-up)."""
    from pygeoapi.api import API  # on first use: see app.ogc.ogcapi

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        return API(config, openapi)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


class PygeoapiApis:
    """pygeoapi `API` objects of one app, one per base URL and catalog version (extents and
    maps follow the data), least recently used dropped."""

    def __init__(self, layers: WmsLayers) -> None:
        self.layers = layers
        self._lock = threading.Lock()
        self._apis: ByteLru[tuple[str, int], API] = ByteLru(MAX_APIS * API_BYTES, MAX_APIS)
        self._openapi: tuple[int, dict[str, Any]] | None = None

    def openapi(self, version: int) -> dict[str, Any]:
        with self._lock:
            cached = self._openapi
        if cached is not None and cached[0] == version:
            return cached[1]
        document = _openapi_document(self.layers)
        with self._lock:
            self._openapi = (version, document)
        return document

    def api(self, base_url: str) -> API:
        version = self.layers.context.holder.catalog.version

        def build() -> tuple[API, int]:
            openapi = _with_base_url(self.openapi(version), base_url)
            return _build_api(pygeoapi_config(self.layers, base_url), openapi), API_BYTES

        return self._apis.get_or_build((base_url, version), build)

    def __len__(self) -> int:
        return len(self._apis)
