"""A checksum of every table's content, to prove a failed load changed nothing."""

from __future__ import annotations

import hashlib

import shapely
from sqlalchemy import Engine, select

from app.store.models import Base


def store_checksum(engine: Engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            digest.update(table.name.encode())
            order = list(table.primary_key.columns)
            for row in conn.execute(select(table).order_by(*order)):
                for value in row:
                    if isinstance(value, shapely.Geometry):
                        value = shapely.to_wkb(value, hex=True)
                    digest.update(repr(value).encode())
    return digest.hexdigest()
