"""GET /health: liveness plus which store and data version this process serves."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app import __version__
from app.api.deps import HolderDep

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    backend: str
    data_version: int
    store_reachable: bool
    software_version: str
    counts: dict[str, int]


@router.get("/health", response_model=Health, summary="Service status and data version")
def health(holder: HolderDep) -> Health:
    catalog = holder.catalog
    return Health(
        status="ok" if holder.store_ok else "degraded",
        backend=catalog.backend,
        data_version=catalog.version,
        store_reachable=holder.store_ok,
        software_version=__version__,
        counts=catalog.counts(),
    )
