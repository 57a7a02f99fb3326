"""Engines for the configured store; the embedded SQLite file is created only when asked.

Durability: SQLite runs in WAL mode with synchronous=FULL (a commit is on disk when it
returns, so an acknowledged load survives a crash); PostgreSQL sessions keep
synchronous_commit on whatever the server's default.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from app.store.marker import sqlite_path


def make_engine(url: str, may_create: bool = True) -> Engine:
    """Create an engine. For SQLite: turn on foreign keys, WAL and full sync, open a new
    connection per use (a deleted or replaced file is seen at once, never written through a
    stale handle), and create the file (and its folder) only when `may_create`."""
    path = sqlite_path(url)
    if path is not None:
        if may_create:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, creator=_sqlite_opener(path, may_create), poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    if url.startswith("sqlite"):
        return create_engine(url)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"options": "-c synchronous_commit=on"},
    )


def _sqlite_opener(path: Path, may_create: bool) -> Callable[[], sqlite3.Connection]:
    # mode=rw: opening a missing file fails instead of creating an empty store in its place.
    mode = "rwc" if may_create else "rw"
    uri = f"file:{quote(str(path.absolute()))}?mode={mode}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    return connect


def backend_name(engine: Engine) -> str:
    """'postgis' or 'sqlite': the name users see in /health and `siep info`."""
    return "postgis" if engine.dialect.name == "postgresql" else engine.dialect.name
