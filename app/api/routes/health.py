"""GET /health: liveness plus which store and data version this process serves; HTTP 503
"degraded" with the reason when the store is unreachable, missing, corrupt or replaced."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app import __version__
from app.api.deps import HolderDep

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    backend: str
    data_version: int
    store_reachable: bool
    reason: str | None = None
    software_version: str
    counts: dict[str, int]


@router.get(
    "/health",
    response_model=Health,
    summary="Service status and data version",
    responses={503: {"model": Health, "description": "Degraded: the store is not sound"}},
)
def health(holder: HolderDep, response: Response) -> Health:
    catalog = holder.catalog
    if not holder.store_ok:
        response.status_code = 503
    return Health(
        status="ok" if holder.store_ok else "degraded",
        backend=catalog.backend,
        data_version=catalog.version,
        store_reachable=holder.store_ok,
        reason=holder.store_problem,
        software_version=__version__,
        counts=catalog.counts(),
    )
