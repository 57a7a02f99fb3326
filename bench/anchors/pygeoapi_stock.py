"""pygeoapi 0.21 with its stock PostgreSQL provider over the anchor table, under uvicorn.

Its own config in the run folder: limits.max_items raised (the default 10 silently caps
`limit`), pretty_print off, logging at ERROR.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bench.database import EP_TABLE, BenchDatabase
from bench.processes import Process, free_port, start_uvicorn

COLLECTION = "establecimientos_penitenciarios"


def write_config(db: BenchDatabase, folder: Path, port: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "es-PE",
            "pretty_print": False,
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "pygeoapi stock anchor",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "https://example.org/terms",
                "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": {
                "name": "bench",
                "position": "bench",
                "address": "-",
                "city": "Lima",
                "stateorprovince": "Lima",
                "postalcode": "15001",
                "country": "PE",
                "phone": "+51-1-000-0000",
                "fax": "+51-1-000-0000",
                "email": "bench@example.org",
                "url": "https://example.org",
                "hours": "24/7",
                "instructions": "-",
                "role": "pointOfContact",
            },
        },
        "resources": {
            COLLECTION: {
                "type": "collection",
                "title": "E.P.",
                "description": "Establecimientos penitenciarios",
                "keywords": ["INPE"],
                "links": [],
                "extents": {
                    "spatial": {
                        "bbox": [-81.5, -18.5, -68.5, 0.1],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": "127.0.0.1",
                            "port": db.port,
                            "dbname": db.name,
                            "user": "postgres",
                            "password": "",
                            "search_path": ["public"],
                        },
                        "id_field": "code",
                        "table": EP_TABLE,
                        "geom_field": "geom",
                    }
                ],
            }
        },
    }
    config_path = folder / "pygeoapi-config.yml"
    openapi_path = folder / "pygeoapi-openapi.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    env = {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    openapi_path.write_text("")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pygeoapi"),
            "openapi",
            "generate",
            str(config_path),
            "--output-file",
            str(openapi_path),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed:\n{result.stderr[-2000:]}")
    return config_path, openapi_path


def start(db: BenchDatabase, folder: Path) -> Process:
    port = free_port()
    config_path, openapi_path = write_config(db, folder, port)
    env = {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    return start_uvicorn("pygeoapi", "pygeoapi.starlette_app:APP", env, folder, port=port)


def items_path(query: str = "") -> str:
    return f"/collections/{COLLECTION}/items?f=json&limit=100{query}"
