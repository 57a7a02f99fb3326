"""The public web viewer: static/ served at / with strict security headers, plus its config JSON.

The viewer is plain files (ES modules, vendored Leaflet) that talk only to the public JSON API;
nothing here computes statistics. Pages never carry inline scripts or styles, so the CSP can
forbid both; the little configuration the page needs comes from /viewer-config.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import PROJECT_ROOT, Settings

STATIC_DIR = PROJECT_ROOT / "static"
BOUNDARY_ATTRIBUTION = (
    "Límites: geoBoundaries gbOpen (CC BY 3.0 IGO); distritos: INEI 2007 vía "
    "juaneladio/peru-geojson (MPL-2.0); códigos UBIGEO: INEI"
)
DATA_ATTRIBUTION = "Datos: Instituto Nacional Penitenciario (INPE), MINJUSDH, INEI (censos)"
OSM_ATTRIBUTION = "© colaboradores de OpenStreetMap (ODbL)"


@dataclass(frozen=True)
class ViewerConfig:
    """What the page needs to know about this deployment (served as /viewer-config.json)."""

    osm_tiles: bool
    tile_url: str | None
    tile_attribution: str | None
    data_attribution: str
    boundary_attribution: str
    api_base: str

    def as_json(self) -> dict[str, object]:
        return {
            "osm_tiles": self.osm_tiles,
            "tile_url": self.tile_url,
            "tile_attribution": self.tile_attribution,
            "data_attribution": self.data_attribution,
            "boundary_attribution": self.boundary_attribution,
            "api_base": self.api_base,
        }


def viewer_config(settings: Settings) -> ViewerConfig:
    """The viewer configuration for `settings` (tiles only when the deployment allows them)."""
    tiles = settings.viewer_osm_tiles
    return ViewerConfig(
        osm_tiles=tiles,
        tile_url=settings.viewer_tile_url if tiles else None,
        tile_attribution=OSM_ATTRIBUTION if tiles else None,
        data_attribution=DATA_ATTRIBUTION,
        boundary_attribution=BOUNDARY_ATTRIBUTION,
        api_base="/api/v1",
    )


def content_security_policy(settings: Settings) -> str:
    """CSP of the viewer pages: same origin only; the tile server's origin only for images."""
    img_src = ["'self'", "data:", "blob:"]
    if settings.viewer_osm_tiles:
        parts = urlsplit(settings.viewer_tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            # Leaflet's {s} subdomains: allow the whole parent domain's subdomains.
            host = parts.netloc
            if "{s}" in settings.viewer_tile_url:
                host = "*." + host.split(".", 1)[1]
            img_src.append(f"{parts.scheme}://{host}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": img_src,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers added to every viewer response (pages, modules, styles, vendored files)."""
    return [
        (b"content-security-policy", content_security_policy(settings).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]


def _cache_control(path: str) -> bytes:
    # Vendored files change only with a release; our own files are revalidated (ETag) each load.
    if path.startswith("/vendor/"):
        return b"public, max-age=86400"
    return b"no-cache"


class SecuredStatic:
    """ASGI wrapper over StaticFiles adding security and cache headers to every response."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                headers.extend(self.headers)
                headers.append((b"cache-control", _cache_control(path)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


router = APIRouter(tags=["viewer"])


@router.get("/viewer-config.json", include_in_schema=False)
def get_viewer_config(request: Request) -> JSONResponse:
    """Configuration of the web viewer (base layer, attributions)."""
    settings: Settings = request.app.state.settings
    return JSONResponse(
        viewer_config(settings).as_json(),
        headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"},
    )


def mount_viewer(app: FastAPI, settings: Settings) -> None:
    """Serve static/ at / (index.html) and /viewer-config.json; call after every other route."""
    app.include_router(router)
    static = StaticFiles(directory=STATIC_DIR, html=True, check_dir=False)
    app.mount("/", SecuredStatic(static, security_headers(settings)), name="viewer")
