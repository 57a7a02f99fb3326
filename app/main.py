"""create_app(settings): builds the whole ASGI app; nothing is read from the environment here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__
from app.api.errors import install_error_handlers
from app.api.middleware import HttpGuardMiddleware
from app.api.report_cache import ReportCache
from app.api.response_cache import ResponseCacheMiddleware, VersionedLRU
from app.api.routes import admin, health
from app.api.v1 import router as api_v1_router
from app.catalog.holder import CatalogHolder
from app.docs_pages import mount_docs_pages
from app.http_limits import request_limits
from app.ogc.mount import mount_ogc
from app.render import mapnik_render
from app.render.pool import WorkerPool, shared_pool
from app.settings import Settings
from app.store.engine import make_engine
from app.store.marker import read_marker, sqlite_path
from app.tiles.routes import mount_tiles
from app.viewer import mount_viewer

REPORT_NICENESS = 10


@contextlib.contextmanager
def keep_root_logger() -> Iterator[None]:
    """Undo any change to the root logger's level and handlers made inside the block."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


class RendererMiddleware:
    """Maps drawn while serving a request go to this app's pool of map workers (a context
    variable, not a process global: several apps may live in one process, as in tests)."""

    def __init__(self, app: ASGIApp, renderer: WorkerPool | None) -> None:
        self.app = app
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = mapnik_render.current_renderer.set(self.renderer)
        try:
            await self.app(scope, receive, send)
        finally:
            mapnik_render.current_renderer.reset(token)


def report_pool(settings: Settings) -> WorkerPool:
    """Worker processes building report files, niced so that light requests win the CPU."""
    return shared_pool(
        "building reports",
        settings.report_concurrency,
        settings.report_timeout_s,
        settings.report_wait_s,
        niceness=REPORT_NICENESS,
    )


def render_pool(settings: Settings) -> WorkerPool | None:
    if settings.render_workers == 0:
        return None
    return shared_pool(
        "drawing maps",
        settings.render_workers,
        settings.render_timeout_s,
        settings.render_timeout_s,
        map_cache_bytes=mapnik_render.MAX_MAP_CACHE_BYTES,
    )


def create_app(settings: Settings) -> FastAPI:
    """The SIEP-Perú application over the store named by `settings`."""
    url = settings.effective_database_url
    # The app never creates the embedded store: a missing file is an error, not a new store.
    engine = make_engine(url, may_create=False)
    store_file = sqlite_path(url)
    marker = read_marker(store_file) if store_file is not None else None
    holder = CatalogHolder(
        engine,
        store_file,
        marker.store_id if marker else None,
        snapshot_root=settings.effective_snapshot_dir,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(holder.refresh)
        poller = asyncio.create_task(holder.poll(settings.catalog_poll_s))
        # Worker processes start on first use (starting them here slowed every start-up).
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            engine.dispose()

    app = FastAPI(
        title="SIEP-Perú",
        version=__version__,
        description="Estadísticas penitenciarias georreferenciadas del Perú (INPE): "
        "API JSON, OGC API, WMS y WFS.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    # Only the token's hash is kept; the settings the app holds carry no secret.
    app.state.settings = settings.model_copy(update={"admin_token": None})
    app.state.engine = engine
    app.state.holder = holder
    app.state.admin_token_sha256 = settings.admin_token_sha256
    app.state.report_pool = report_pool(settings)
    app.state.report_cache = ReportCache(settings.report_cache_mb * 1024 * 1024)
    app.state.render_pool = render_pool(settings)
    install_error_handlers(app)
    # Added innermost first: response cache < CORS < HTTP guard (outermost: it bounds the
    # request and turns HEAD into GET before anything else sees it).
    app.state.response_cache = VersionedLRU(settings.response_cache_mb * 1024 * 1024)
    app.add_middleware(ResponseCacheMiddleware, holder=holder, cache=app.state.response_cache)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_credentials=False,
        expose_headers=["ETag", "Content-Disposition", "X-Request-ID"],
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(HttpGuardMiddleware, limits=request_limits(settings))
    app.add_middleware(RendererMiddleware, renderer=app.state.render_pool)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(api_v1_router)
    mount_tiles(app)  # before mount_ogc: the /ogc mount would shadow the tile routes
    with keep_root_logger():  # pygeoapi's `logging: CRITICAL` calls logging.basicConfig
        mount_ogc(app, settings, holder)
    mount_docs_pages(app)
    mount_viewer(app, settings)  # last: it serves / and must not shadow the APIs
    return app
