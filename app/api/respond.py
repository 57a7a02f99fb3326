"""The one way /api/v1 handlers answer: format negotiation, ETag/304, cache, attachments."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Request, Response

from app.api.caching import Encoded, ResponseCache
from app.catalog.snapshot import Catalog
from app.exports.download import Download
from app.exports.formats import BUILTIN_FORMATS
from app.settings import Settings
from app.stats.suppress import SuppressionPolicy


def suppression_policy(settings: Settings) -> SuppressionPolicy:
    return SuppressionPolicy.from_text(settings.suppression_threshold, settings.suppression_levels)


def response_cache(request: Request, settings: Settings) -> ResponseCache:
    state = request.app.state
    cache = getattr(state, "api_cache", None)
    if cache is None:
        cache = ResponseCache(settings.api_cache_entries)
        state.api_cache = cache
    return cache


def _cache_key(request: Request) -> str:
    params = sorted(request.query_params.multi_items())
    return f"{request.url.path}?{urlencode(params)}"


def _headers(catalog: Catalog, settings: Settings) -> dict[str, str]:
    return {
        "ETag": catalog.etag,
        "Cache-Control": f"public, max-age={settings.api_max_age_s}",
        "Vary": "Accept-Encoding",
    }


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags or "*" in tags


def respond(
    request: Request,
    catalog: Catalog,
    settings: Settings,
    fmt: str,
    allowed: tuple[str, ...],
    build: Callable[[], Download],
) -> Response:
    """Encode `build()` as `fmt` (one of `allowed`), or answer 304 / from the cache."""
    export = BUILTIN_FORMATS.get(fmt, allowed)
    headers = _headers(catalog, settings)
    if _matches(request, catalog.etag):
        return Response(status_code=304, headers=headers)
    cache = response_cache(request, settings)
    key = _cache_key(request)
    encoded = cache.get(catalog.version, key)
    if encoded is None:
        download = build()
        encoded = Encoded(
            export.write(download),
            export.media_type,
            f"{download.filename}.{export.extension}",
            export.is_attachment,
        )
        cache.put(catalog.version, key, encoded)
    if encoded.filename:
        kind = "attachment" if encoded.is_attachment else "inline"
        headers["Content-Disposition"] = f'{kind}; filename="{encoded.filename}"'
    return Response(encoded.body, media_type=encoded.media_type, headers=headers)
