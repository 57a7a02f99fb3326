"""Authenticated writes: load, list and withdraw datasets over HTTP (bearer token)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, field_validator
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import EngineDep, HolderDep, SettingsDep
from app.catalog.holder import CatalogHolder
from app.errors import (
    AuthError,
    InvalidParameterError,
    StoreUnavailableError,
    WritesDisabledError,
)
from app.store.ingest.datasets import DatasetMeta, LoadInput, load_dataset, withdraw_dataset
from app.store.ingest.table import LoadLimits
from app.store.models import Dataset

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def require_admin(request: Request) -> str:
    """Check `Authorization: Bearer <token>` against the hash kept at start-up."""
    expected: str | None = request.app.state.admin_token_sha256
    if expected is None:
        raise WritesDisabledError("writes are disabled on this server (SIEP_ADMIN_TOKEN is unset)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("send the admin token as 'Authorization: Bearer <token>'")
    # Exactly the token: no trimming (issue 13: ' token ' was accepted).
    given = hashlib.sha256(token.encode()).hexdigest()
    if not hmac.compare_digest(given, expected):
        raise AuthError("invalid admin token")
    client = request.client.host if request.client else "unknown"
    return f"api@{client}"


AdminDep = Annotated[str, Depends(require_admin)]
T = TypeVar("T")


async def _write(holder: CatalogHolder, write: Callable[[], T]) -> T:
    """Run a store write off the event loop, only into the store this server started with:
    a missing, corrupt or replaced store answers 503 and nothing is acknowledged."""

    def checked_write() -> T:
        holder.check_writable()
        try:
            return write()
        except SQLAlchemyError as exc:
            holder.refresh()
            raise StoreUnavailableError(
                f"write failed, nothing was stored: {holder.store_problem or exc.__class__.__name__}"
            ) from exc

    return await asyncio.to_thread(checked_write)


DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def check_dataset_name(name: str) -> str:
    """A dataset name is a slug (letters, digits, `_ . -`; no path, no spaces): it ends up
    in file names, URLs and logs (issue 13: an upload named `..\\..\\evil.csv` was stored
    as `..\\..\\evil`)."""
    if not DATASET_NAME.fullmatch(name):
        raise InvalidParameterError(
            f"dataset name '{name[:100]}' is not allowed: use 1-128 letters, digits, '_', '.' "
            "or '-', starting with a letter or digit (send name= to choose one)"
        )
    return name


class DatasetOut(BaseModel):
    id: int
    name: str
    title: str
    source_document: str
    source_table: str
    description: str
    loaded_at: datetime
    loaded_by: str
    checksum_sha256: str
    row_count: int
    is_withdrawn: bool
    is_complete: bool

    @field_validator("loaded_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes; they are stored as UTC. Without an offset the
        # value is not the RFC 3339 date-time the schema promises (found by tests/fuzz).
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class LoadOut(BaseModel):
    dataset_id: int
    row_count: int
    data_version: int
    checksum_sha256: str


@router.post(
    "/datasets",
    response_model=LoadOut,
    status_code=201,
    summary="Load a tidy CSV or XLSX file (validated, all or nothing)",
    description="The upload is spooled to a temporary file, never held in memory: up to "
    "SIEP_UPLOAD_MAX_BYTES (1 GiB by default) of request body, a file of up to "
    "SIEP_LOAD_MAX_BYTES and SIEP_LOAD_MAX_ROWS. It is validated completely, then written in "
    "one transaction; a bad row answers 422 naming its row and column and nothing is stored.",
)
async def post_dataset(
    who: AdminDep,
    engine: EngineDep,
    holder: HolderDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Tidy observations, CSV (UTF-8) or XLSX")],
    title: Annotated[str, Form(max_length=400)],
    name: Annotated[str | None, Form(max_length=200)] = None,
    source_document: Annotated[str, Form(max_length=2000)] = "",
    source_table: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    replace: Annotated[bool, Form()] = False,
    partial: Annotated[
        bool, Form(description="Lists only some establishments: never summed into totals")
    ] = False,
) -> LoadOut:
    filename = file.filename or "upload.csv"
    stem = re.split(r"[/\\]", filename)[-1].rsplit(".", 1)[0]
    meta = DatasetMeta(
        check_dataset_name(name or stem),
        title,
        source_document,
        source_table,
        description,
        who,
        not partial,
    )
    # Starlette has spooled the upload to a temporary file (1 MB in memory at most): the
    # load streams from it, twice (validate, then write).
    limits = LoadLimits(settings.load_max_bytes, settings.load_max_rows)
    upload = LoadInput(file.file, filename, limits)
    result = await _write(
        holder, lambda: load_dataset(engine, upload, filename, meta, replace=replace)
    )
    await asyncio.to_thread(holder.refresh)
    return LoadOut(**result.__dict__)


@router.get("/datasets", response_model=list[DatasetOut], summary="History of loaded datasets")
def list_datasets(_: AdminDep, engine: EngineDep) -> list[DatasetOut]:
    with engine.connect() as conn:
        rows = conn.execute(select(Dataset).order_by(Dataset.id)).mappings().all()
    return [DatasetOut(**row) for row in rows]


@router.delete("/datasets/{name}", summary="Withdraw a dataset (kept in the history)")
async def delete_dataset(
    name: str, _: AdminDep, engine: EngineDep, holder: HolderDep
) -> dict[str, object]:
    version = await _write(holder, lambda: withdraw_dataset(engine, name))
    await asyncio.to_thread(holder.refresh)
    return {"withdrawn": name, "data_version": version}
