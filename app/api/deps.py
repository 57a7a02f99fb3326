"""FastAPI dependencies: the current catalog, the settings and the store's engine."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from app.catalog.holder import CatalogHolder
from app.catalog.snapshot import Catalog
from app.settings import Settings


def get_holder(request: Request) -> CatalogHolder:
    return request.app.state.holder  # type: ignore[no-any-return]


def get_catalog(request: Request) -> Catalog:
    """The snapshot for this request: taken once, so a swap mid-request changes nothing."""
    return get_holder(request).catalog


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
HolderDep = Annotated[CatalogHolder, Depends(get_holder)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
