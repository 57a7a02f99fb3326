"""The store's data version and identity: read cheaply by every replica, bumped by every write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text


@dataclass(frozen=True)
class StoreState:
    store_id: str
    version: int
    updated_at: str  # when the version was last bumped: tells two histories apart


def read_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one())


def read_store_state(engine: Engine) -> StoreState:
    """The store's identity and data version, in one query."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT i.store_id, v.version, v.updated_at FROM store_identity i, "
                "data_version v WHERE i.id = 1 AND v.id = 1"
            )
        ).one()
    return StoreState(str(row[0]), int(row[1]), str(row[2]))


def bump_version(conn: Connection) -> int:
    """Increment the version inside the caller's transaction and return the new value."""
    conn.execute(
        text("UPDATE data_version SET version = version + 1, updated_at = :now WHERE id = 1"),
        {"now": datetime.now(UTC)},
    )
    return int(conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one())
