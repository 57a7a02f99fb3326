"""The store's data version: read cheaply by every replica, bumped by every write."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text


def read_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one())


def bump_version(conn: Connection) -> int:
    """Increment the version inside the caller's transaction and return the new value."""
    conn.execute(
        text("UPDATE data_version SET version = version + 1, updated_at = :now WHERE id = 1"),
        {"now": datetime.now(UTC)},
    )
    return int(conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one())
