"""Our server (uvicorn app.asgi:app, one worker, same options as the Python anchors) and the
discovery of what its OGC endpoints call things (format names, type names) from its own
capabilities, so the harness follows the app instead of hard-coding it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.database import BenchDatabase
from bench.processes import Process, start_uvicorn, wait_ready

EP_COLLECTION = "establecimientos_penitenciarios"
CHORO_LAYER = "provincias"


def server_env(db: BenchDatabase, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "SIEP_DATABASE_URL": db.url,
        "SIEP_SEED_ON_START": "false",
        **(extra or {}),
    }


def start(
    db: BenchDatabase, folder: Path, name: str = "ours", extra: dict[str, str] | None = None
) -> Process:
    process = start_uvicorn(name, "app.asgi:app", server_env(db, extra), folder)
    # SIEP_PUBLIC_URL must match the port for OGC links; start_uvicorn picked it, so restart
    # is avoided by passing the port up front instead.
    return process


def start_on(
    db: BenchDatabase,
    folder: Path,
    port: int,
    name: str = "ours",
    extra: dict[str, str] | None = None,
) -> Process:
    env = server_env(db, {"SIEP_PUBLIC_URL": f"http://127.0.0.1:{port}", **(extra or {})})
    return start_uvicorn(name, "app.asgi:app", env, folder, port=port)


@dataclass(frozen=True)
class Endpoints:
    """What our server offers right now (None: not built yet)."""

    wms_png8: str | None
    wms_layer: str | None
    wfs_typename: str | None
    wfs_geojson: str | None
    wfs_gml32: str | None


def discover(base_url: str) -> Endpoints:
    wms_png8 = wms_layer = wfs_typename = wfs_geojson = wfs_gml32 = None
    with httpx.Client(timeout=30) as client:
        try:
            caps = client.get(
                f"{base_url}/wms", params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"}
            )
            if caps.status_code == 200 and b"WMS_Capabilities" in caps.content:
                text = caps.text
                getmap = text.split("<GetMap>", 1)[-1].split("</GetMap>", 1)[0]
                formats = re.findall(r"<Format>([^<]+)</Format>", getmap)
                wms_png8 = next((f for f in formats if "8" in f and "png" in f.lower()), None)
                names = re.findall(r"<Name>([^<]+)</Name>", text)
                wms_layer = next((n for n in names if n.split(":")[-1] == CHORO_LAYER), None)
        except httpx.HTTPError:
            pass
        try:
            caps = client.get(
                f"{base_url}/wfs", params={"SERVICE": "WFS", "REQUEST": "GetCapabilities"}
            )
            if caps.status_code == 200 and b"WFS_Capabilities" in caps.content:
                text = caps.text
                names = re.findall(r"<(?:wfs:)?Name>([^<]+)</(?:wfs:)?Name>", text)
                wfs_typename = next((n for n in names if n.split(":")[-1] == EP_COLLECTION), None)
                getfeature = text.split('name="GetFeature"', 1)[-1]
                values = re.findall(r"<(?:ows:)?Value>([^<]+)</(?:ows:)?Value>", getfeature)
                values += re.findall(r"<(?:wfs:)?Format>([^<]+)</(?:wfs:)?Format>", text)
                wfs_geojson = next((v for v in values if "json" in v.lower()), None)
                wfs_gml32 = next((v for v in values if "3.2" in v), None)
        except httpx.HTTPError:
            pass
    return Endpoints(wms_png8, wms_layer, wfs_typename, wfs_geojson, wfs_gml32)


def ready(process: Process) -> float:
    return wait_ready(process, "/health")
