"""Settings read from SIEP_* environment variables; built once in create_app or the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.store.marker import sqlite_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All configuration of a SIEP-Perú process. Every field is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="SIEP_", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the store. Empty: the embedded SQLite file "
        "var/siep.sqlite (created on first use). PostGIS: postgresql+psycopg://user:pw@host/db",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for write endpoints. Unset: HTTP writes are disabled.",
    )
    public_url: str = Field(
        default="",
        description="Base URL of the service as clients see it, no trailing /. Empty: links "
        "are built from each request (Host, and X-Forwarded-Proto/-Host/-Prefix from the "
        "proxies in forwarded_allow_ips).",
    )
    forwarded_allow_ips: list[str] = Field(
        default=["127.0.0.1"],
        description="Addresses of the reverse proxies whose X-Forwarded-Proto, "
        "X-Forwarded-Host and X-Forwarded-Prefix headers are trusted for building links "
        "(as uvicorn's --forwarded-allow-ips; `siep serve` passes it on). JSON list; "
        "'[\"*\"]' trusts every client.",
    )
    host: str = Field(default="127.0.0.1", description="Address `siep serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `siep serve` binds to.")
    data_dir: Path = Field(
        default=PROJECT_ROOT / "geodata",
        description="Folder with the shipped dataset loaded by `siep seed`.",
    )
    var_dir: Path = Field(
        default=PROJECT_ROOT / "var",
        description="Folder for the embedded store and generated files (pygeoapi config).",
    )
    snapshot_dir: Path | None = Field(
        default=None,
        description="Folder for persisted catalog snapshots (Parquet, one folder per store "
        "and data version, older ones pruned): a new process loads the current one instead "
        "of reading the whole store. Unset: `snapshots/` beside the embedded store file, or "
        "var_dir/snapshots with PostGIS. Replicas may share it (one volume); a missing or "
        "unreadable snapshot is rebuilt from the store.",
    )
    persist_snapshots: bool = Field(
        default=True,
        description="Persist catalog snapshots in snapshot_dir. Off: every process reads "
        "the whole store at start and after each load.",
    )
    catalog_poll_s: float = Field(
        default=2.0,
        ge=0.1,
        description="How often (seconds) a server checks the store's data version and "
        "reloads its in-memory catalog when it changed.",
    )
    viewer_osm_tiles: bool = Field(
        default=False,
        description="Offer an OpenStreetMap base layer in the web viewer (the browser then "
        "loads tiles from viewer_tile_url). Off: the viewer needs no internet access.",
    )
    viewer_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="XYZ tile URL template of the viewer's optional base layer "
        "(used only when viewer_osm_tiles is on; its origin is added to the CSP img-src).",
    )
    max_body_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted by any front; larger gets HTTP 413 before "
        "routing. An admin upload bearing the valid token has its own bound, "
        "upload_max_bytes.",
    )
    ogc_max_body_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        description="Largest body of an OGC request (a CQL2-JSON filter posted to /ogc, a WFS "
        "POST); larger gets HTTP 413 in the protocol's error format (app/http_limits.py).",
    )
    load_max_bytes: int = Field(
        default=2 * 1024**3,
        ge=1024,
        le=64 * 1024**3,
        description="Largest file (bytes) `siep load` and the admin upload accept; a load is "
        "streamed (read twice: validated, then written), never held in memory.",
    )
    load_max_rows: int = Field(
        default=10_000_000,
        ge=1,
        le=500_000_000,
        description="Most data rows in one loaded file. Checking for duplicate rows keeps 8 "
        "bytes per row in memory (80 MB at the default).",
    )
    upload_max_bytes: int = Field(
        default=1024**3,
        ge=1024,
        le=64 * 1024**3,
        description="Largest request body of an admin upload (POST /api/v1/admin/datasets "
        "with a valid admin token); it is spooled to a temporary file on disk (TMPDIR), not "
        "to memory. Every other request, and an upload without a valid token, keeps "
        "max_body_bytes.",
    )
    max_url_bytes: int = Field(
        default=8192,
        ge=1024,
        le=65536,
        description="Longest request target (path and query string, bytes); longer gets HTTP 414.",
    )
    max_header_bytes: int = Field(
        default=32768,
        ge=4096,
        le=1048576,
        description="Largest total size (bytes) of a request's headers; larger gets HTTP 431. "
        "`siep serve` stops reading a request head (line and headers) beyond "
        "max_url_bytes + max_header_bytes and answers 431 there too.",
    )
    max_header_count: int = Field(
        default=100, ge=10, le=1000, description="Most request headers; more gets HTTP 431."
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="`siep serve`: seconds a client has to send a request's line and headers "
        "(also an idle new connection); then the connection is closed (HTTP 408).",
    )
    keep_alive_s: int = Field(
        default=5,
        ge=1,
        le=300,
        description="`siep serve`: seconds an idle keep-alive connection is kept open.",
    )
    max_connections: int = Field(
        default=1000,
        ge=10,
        description="`siep serve`: most open connections (per process); a connection beyond "
        "gets HTTP 503 and is closed, and requests beyond it get 503. Keep it well below the "
        "open-files limit (`ulimit -n`).",
    )
    report_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Most report files (PDF, XLSX, DOCX, PNG/JPEG maps, GeoPackage, Shapefile) "
        "built at once per process: one worker process each (at a lower CPU priority than "
        "the server); others wait for a free worker.",
    )
    report_wait_s: float = Field(
        default=15.0,
        gt=0,
        le=600,
        description="Seconds a report request waits for a slot before HTTP 503 (Retry-After).",
    )
    report_cache_mb: int = Field(
        default=64,
        ge=0,
        description="Memory (MiB) for report files (PDF, XLSX, DOCX, PNG/JPEG maps, GeoPackage, "
        "Shapefile) of the current data version, each built once per distinct URL and served "
        "again from memory; one file at most 1/8 of it; least recently used are dropped "
        "first; 0 keeps none (concurrent identical requests still share one build).",
    )
    report_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds one report file may take to build in its worker process; beyond "
        "it the worker is stopped and replaced and the request gets HTTP 503 (Retry-After).",
    )
    render_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Worker processes drawing maps (WMS, raster tiles, OGC API Maps); Mapnik "
        "holds the GIL, so maps drawn in the server process would stall every request. 0 "
        "draws in the server process (for debugging). Report files have their own "
        "`report_concurrency` workers.",
    )
    render_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Seconds one map may take to draw (and a request may wait for a free map "
        "worker); beyond it the worker is stopped and replaced and the request gets HTTP 503 "
        "(an OGC exception on /wms).",
    )
    access_log: bool = Field(
        default=False,
        description="`siep serve`: log one line per request (uvicorn's access log). Server "
        "errors are always logged, with method, path and request id.",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins allowed to read the public API from a browser (GET/HEAD only; "
        "writes are never CORS-enabled). JSON list, e.g. '[\"https://example.org\"]'.",
    )
    wms_max_size: int = Field(
        default=4096,
        ge=256,
        le=16384,
        description="Largest WIDTH or HEIGHT (pixels) a WMS GetMap or OGC API map accepts.",
    )
    wms_max_layers: int = Field(
        default=32,
        ge=1,
        le=1000,
        description="Most layers one WMS GetMap or GetFeatureInfo may name (LAYERS, "
        "QUERY_LAYERS); more gets HTTP 400. Advertised as LayerLimit in the capabilities.",
    )
    seed_on_start: bool = Field(
        default=True,
        description="Load the shipped dataset when `siep serve` finds an empty store.",
    )
    suppression_threshold: int = Field(
        default=5,
        ge=0,
        description="Small-cell suppression of sensitive health figures (TB, HIV): a count "
        "from 1 to threshold-1 is published as a range (e.g. '1-4'), and rates computed from "
        "it are suppressed too. 0 or 1 disables suppression.",
    )
    suppression_levels: str = Field(
        default="departamento,provincia,distrito,establishment",
        description="Comma-separated levels where small-cell suppression applies (levels "
        "finer than the oficina regional by default); empty: nowhere.",
    )
    response_cache_mb: int = Field(
        default=128,
        ge=0,
        description="Memory (MiB) for encoded GET answers of every service (API, OGC API, "
        "WMS, WFS) kept for the current data version; least recently used are dropped "
        "first; 0 disables the cache.",
    )
    api_max_age_s: int = Field(
        default=60,
        ge=0,
        description="Cache-Control max-age (seconds) of /api/v1 responses; clients revalidate "
        "with If-None-Match afterwards (ETag = data version).",
    )

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def effective_database_url(self) -> str:
        """The configured store URL, or the embedded SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'siep.sqlite').as_posix()}"

    @property
    def effective_snapshot_dir(self) -> Path | None:
        """Where snapshots are persisted, or None when they are not."""
        if not self.persist_snapshots:
            return None
        if self.snapshot_dir is not None:
            return self.snapshot_dir
        store = sqlite_path(self.effective_database_url)
        return (store.parent if store is not None else self.var_dir) / "snapshots"

    @property
    def admin_token_sha256(self) -> str | None:
        """The admin token, hashed: the only form kept after start-up."""
        if self.admin_token is None or not self.admin_token.get_secret_value():
            return None
        return hashlib.sha256(self.admin_token.get_secret_value().encode()).hexdigest()
