"""The one way /api/v1 handlers answer: format negotiation, ETag/304, attachments."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Query, Request, Response

from app.catalog.snapshot import Catalog
from app.exports.download import Download
from app.exports.formats import BUILTIN_FORMATS
from app.exports.layout import check_columns
from app.http_cache import etag_matches
from app.public_url import request_base_url
from app.render.pool import WorkerPool
from app.settings import Settings
from app.sources import with_citation
from app.stats.suppress import SuppressionPolicy

RawQuery = Annotated[
    bool,
    Query(
        description="CSV/XLSX/DOCX/PDF: true keeps full precision (default: rounded as the "
        "viewer shows it)"
    ),
]
ColumnsQuery = Annotated[
    str,
    Query(
        description="CSV/XLSX/DOCX/PDF: 'all' adds the technical columns (class, colour, "
        "display text); default: the columns a reader needs"
    ),
]


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


def respond(
    request: Request,
    catalog: Catalog,
    settings: Settings,
    fmt: str,
    allowed: tuple[str, ...],
    build: Callable[[], Download],
    raw: bool = False,
    columns: str = "default",
) -> Response:
    """Encode `build()` as `fmt` (one of `allowed`), or answer 304.

    `raw` and `columns` set how a table download reads (app/exports/layout.py).

    The encoded answer carries the catalog's ETag, so the process-wide response cache
    (app/api/response_cache.py) keeps it for the data version.
    """
    export = BUILTIN_FORMATS.get(fmt, allowed)
    all_columns = check_columns(columns)
    headers = _headers(catalog, settings)
    download = build()  # validates every parameter, even when the answer is a 304
    if download.layout is not None:
        layout = dataclasses.replace(download.layout, raw=raw, all_columns=all_columns)
        download = dataclasses.replace(download, layout=layout)
    if etag_matches(request.headers.get("if-none-match"), catalog.etag):
        return Response(status_code=304, headers=headers)
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{request_base_url(request.scope, settings)}{request.url.path}{query}"
    download = with_citation(download, catalog.version, url)
    kind = "attachment" if export.is_attachment else "inline"
    headers["Content-Disposition"] = (
        f'{kind}; filename="{safe_filename(download.filename)}.{export.extension}"'
    )
    if export.name not in HEAVY_FORMATS:
        return Response(export.write(download), media_type=export.media_type, headers=headers)
    reports: WorkerPool = request.app.state.report_pool
    body = reports.call(export.write, download)
    return Response(body, media_type=export.media_type, headers=headers)


# Reports drawn or typeset in Python: built in a worker process (app/render/pool.py), at most
# `report_concurrency` at a time and within `report_timeout_s` (issue 13).
HEAVY_FORMATS = frozenset({"pdf", "xlsx", "docx", "png", "jpg", "gpkg", "shp"})
