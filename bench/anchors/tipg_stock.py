"""tipg (developmentseed) over the same anchor table, under uvicorn with its stock settings."""

from __future__ import annotations

import json
from pathlib import Path

from bench.database import EP_TABLE, PROVINCIAS_TABLE, BenchDatabase
from bench.processes import Process, start_uvicorn

COLLECTION = f"public.{EP_TABLE}"
TILES_COLLECTION = f"public.{PROVINCIAS_TABLE}"


def start(db: BenchDatabase, folder: Path) -> Process:
    env = {
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{db.port}/{db.name}",
        "TIPG_DB_SCHEMAS": json.dumps(["public"]),
        "TIPG_DB_TABLES": json.dumps([COLLECTION, TILES_COLLECTION]),
        "TIPG_DB_FUNCTIONS": "[]",
        "TIPG_DEBUG": "FALSE",
    }
    return start_uvicorn("tipg", "tipg.main:app", env, folder)


def items_path(query: str = "") -> str:
    return f"/collections/{COLLECTION}/items?f=geojson&limit=100{query}"


def tile_path(z: int, x: int, y: int) -> str:
    """tipg's vector tile of the provincias (its path order is z/x/y: column before row)."""
    return f"/collections/{TILES_COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}"
