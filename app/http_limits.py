"""Request size limits of every front, in one module (docs/reliability.md, docs/settings.md).

| front | body limit | setting | answer |
|---|---|---|---|
| every request, before routing (`HttpGuardMiddleware`) | 25 MiB | `SIEP_MAX_BODY_BYTES` | 413, JSON |
| `POST /api/v1/admin/datasets` with the valid admin token (spooled to disk) | 1 GiB | `SIEP_UPLOAD_MAX_BYTES` | 413, JSON |
| `/ogc` (CQL2-JSON filter bodies), `POST /wfs` (XML) | 256 KiB | `SIEP_OGC_MAX_BODY_BYTES` | 413 in the protocol's error format |

The URL and header bounds of the guard come from here too (`request_limits`).
"""

from __future__ import annotations

from starlette.requests import Request

from app.api.middleware import RequestLimits, UploadBound
from app.settings import Settings

# The admin upload route (app/api/routes/admin.py `post_dataset`).
UPLOAD_PATH = "/api/v1/admin/datasets"


def request_limits(settings: Settings) -> RequestLimits:
    """The bounds the HTTP guard checks on every request."""
    token = settings.admin_token_sha256
    upload = UploadBound(UPLOAD_PATH, settings.upload_max_bytes, token) if token else None
    return RequestLimits(
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_header_count=settings.max_header_count,
        upload=upload,
    )


def ogc_body_limit(request: Request) -> int:
    """The body limit of the OGC fronts, from the settings of the app that got `request`."""
    settings: Settings = request.app.state.settings
    return min(settings.ogc_max_body_bytes, settings.max_body_bytes)


async def read_bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it grows past `limit` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
