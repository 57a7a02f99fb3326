"""pygeoapi at /ogc: its configuration and OpenAPI document generated from layers/*.yaml.

pygeoapi reads PYGEOAPI_CONFIG and PYGEOAPI_OPENAPI when its Starlette module is imported, so
this is the one module that writes both files (under settings.var_dir) and then imports it,
inside `build_pygeoapi_app` (never at import time).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp

from app import __version__
from app.layers import LayerDefinition, LayerSet
from app.ogc.features import PERU_BBOX_4326
from app.settings import Settings

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
DEFAULT_ITEMS = 100
MAX_ITEMS = 2000
FEATURE_PROVIDER = "app.ogc.providers.features.CatalogFeatureProvider"
MAP_PROVIDER = "app.ogc.providers.maps.CatalogMapProvider"


def _resource(layer: LayerDefinition, has_maps: bool) -> dict[str, Any]:
    providers: list[dict[str, Any]] = [
        {
            "type": "feature",
            "name": FEATURE_PROVIDER,
            "data": layer.id,
            "id_field": "code",
            "title_field": "name",
            "geom_field": "geometry",
            "crs": [CRS84, EPSG4326],
            "storage_crs": CRS84,
        }
    ]
    if has_maps and layer.is_choropleth:
        providers.append(
            {
                "type": "map",
                "name": MAP_PROVIDER,
                "data": layer.id,
                "options": {"indicator": layer.default_indicator},
                # bbox arrives lon/lat; declaring EPSG:4326 here stops pygeoapi reprojecting it.
                "crs": EPSG4326,
                "format": {"name": "png", "mimetype": "image/png"},
            }
        )
    return {
        "type": "collection",
        "title": {"es": layer.title, "en": layer.title_en},
        "description": layer.description.strip(),
        "keywords": list(layer.keywords),
        "links": [],
        "extents": {"spatial": {"bbox": list(PERU_BBOX_4326), "crs": CRS84}},
        "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS},
        "providers": providers,
    }


def pygeoapi_config(settings: Settings, layers: LayerSet, has_maps: bool) -> dict[str, Any]:
    """The pygeoapi configuration (as a dict) for the given layers."""
    return {
        "server": {
            "bind": {"host": settings.host, "port": settings.port},
            "url": f"{settings.public_url}/ogc",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["es-PE", "en-US"],
            "cors": True,
            "pretty_print": False,
            "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS},
            "map": {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": "&copy; OpenStreetMap contributors",
            },
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
                "url": settings.public_url,
            },
            "license": {
                "name": "CC-BY 4.0 (datos); fuentes y licencias en geodata/README.md",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
            "provider": {"name": "SIEP-Perú", "url": settings.public_url},
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
                "url": settings.public_url,
                "hours": "Lun-Vie 08:00-17:00",
                "instructions": "Durante el horario de atención",
                "role": "pointOfContact",
            },
        },
        "resources": {layer.id: _resource(layer, has_maps) for layer in layers},
    }


def write_pygeoapi_files(settings: Settings, layers: LayerSet, has_maps: bool) -> tuple[Path, Path]:
    """Write the config (YAML) and the OpenAPI document (JSON) under var_dir/pygeoapi."""
    from pygeoapi.openapi import get_oas

    folder = settings.var_dir / "pygeoapi"
    folder.mkdir(parents=True, exist_ok=True)
    config = pygeoapi_config(settings, layers, has_maps)
    config_path = folder / "pygeoapi-config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    openapi = get_oas(config)
    _set_limit_schema(openapi)
    openapi["info"]["version"] = __version__
    openapi_path = folder / "pygeoapi-openapi.json"
    openapi_path.write_text(json.dumps(openapi, ensure_ascii=False, default=str), "utf-8")
    return config_path, openapi_path


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


def build_pygeoapi_app(settings: Settings, layers: LayerSet, has_maps: bool) -> ASGIApp:
    """Generate pygeoapi's files, point its environment variables at them and import it."""
    config_path, openapi_path = write_pygeoapi_files(settings, layers, has_maps)
    os.environ["PYGEOAPI_CONFIG"] = str(config_path)
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path)
    name = "pygeoapi.starlette_app"
    module = (
        importlib.reload(sys.modules[name])
        if name in sys.modules
        else importlib.import_module(name)
    )
    return module.APP  # type: ignore[no-any-return]
