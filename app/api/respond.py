"""The one way /api/v1 handlers answer: format negotiation, ETag/304, attachments."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Query, Request, Response

from app.api.report_cache import ReportCache, ReportFile
from app.api.response_cache import KEEP_FIRST_ASK
from app.catalog.snapshot import Catalog
from app.exports.download import Download, ExportFormat
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
    (app/api/response_cache.py) keeps it for the data version. Report files are built in a
    worker process, once per data version and URL (app/api/report_cache.py).
    """
    export = BUILTIN_FORMATS.get(fmt, allowed)
    all_columns = check_columns(columns)
    headers = _headers(catalog, settings)
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{request_base_url(request.scope, settings)}{request.url.path}{query}"
    revalidating = etag_matches(request.headers.get("if-none-match"), catalog.etag)

    def download() -> Download:
        built = build()  # validates every parameter, even when the answer is a 304
        if built.layout is not None:
            layout = dataclasses.replace(built.layout, raw=raw, all_columns=all_columns)
            built = dataclasses.replace(built, layout=layout)
        return built

    if export.name in HEAVY_FORMATS:
        reports: ReportCache = request.app.state.report_cache
        kept = reports.get(catalog.version, url)  # this URL was valid for this version
        if kept is None and revalidating:
            download()
        if revalidating:
            return Response(status_code=304, headers=headers)
        pool: WorkerPool = request.app.state.report_pool
        request.scope[KEEP_FIRST_ASK] = True

        def report() -> ReportFile:
            file = download()
            body = pool.call(export.write, with_citation(file, catalog.version, url))
            return ReportFile(file.filename, body)

        file = kept or reports.get_or_build(catalog.version, url, report)
        headers["Content-Disposition"] = _disposition(export, file.filename)
        return Response(file.body, media_type=export.media_type, headers=headers)
    built = download()
    if revalidating:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = _disposition(export, built.filename)
    body = export.write(with_citation(built, catalog.version, url))
    return Response(body, media_type=export.media_type, headers=headers)


def _disposition(export: ExportFormat, filename: str) -> str:
    kind = "attachment" if export.is_attachment else "inline"
    return f'{kind}; filename="{safe_filename(filename)}.{export.extension}"'


# Reports drawn or typeset in Python: built in a worker process (app/render/pool.py), at most
# `report_concurrency` at a time and within `report_timeout_s` (issue 13).
HEAVY_FORMATS = frozenset({"pdf", "xlsx", "docx", "png", "jpg", "gpkg", "shp"})
