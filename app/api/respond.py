"""The one way /api/v1 handlers answer: format negotiation, ETag/304, attachments."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request, Response

from app.catalog.snapshot import Catalog
from app.exports.download import Download
from app.exports.formats import BUILTIN_FORMATS
from app.settings import Settings
from app.sources import with_citation
from app.stats.suppress import SuppressionPolicy


def suppression_policy(settings: Settings) -> SuppressionPolicy:
    return SuppressionPolicy.from_text(settings.suppression_threshold, settings.suppression_levels)


def _headers(catalog: Catalog, settings: Settings) -> dict[str, str]:
    return {
        "ETag": catalog.etag,
        "Cache-Control": f"public, max-age={settings.api_max_age_s}",
        "Vary": "Accept-Encoding",
    }


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """An ASCII token for Content-Disposition: request text must not reach a header raw
    (non-Latin-1 characters made a 500; quotes and CR/LF would inject)."""
    return _UNSAFE_FILENAME.sub("_", name)[:150] or "siep"


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
    """Encode `build()` as `fmt` (one of `allowed`), or answer 304.

    The encoded answer carries the catalog's ETag, so the process-wide response cache
    (app/api/response_cache.py) keeps it for the data version.
    """
    export = BUILTIN_FORMATS.get(fmt, allowed)
    headers = _headers(catalog, settings)
    download = build()  # validates every parameter, even when the answer is a 304
    if _matches(request, catalog.etag):
        return Response(status_code=304, headers=headers)
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{settings.public_url.rstrip('/')}{request.url.path}{query}"
    download = with_citation(download, catalog.version, url)
    kind = "attachment" if export.is_attachment else "inline"
    headers["Content-Disposition"] = (
        f'{kind}; filename="{safe_filename(download.filename)}.{export.extension}"'
    )
    return Response(export.write(download), media_type=export.media_type, headers=headers)
