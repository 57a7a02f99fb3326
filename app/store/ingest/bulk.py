"""Write validated observation rows fast, inside the caller's transaction: PostgreSQL COPY
(psycopg) on PostGIS, batched executemany on SQLite. It neither validates nor commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.store.ingest.tidy import TidyRow

COLUMNS = (
    "dataset_id",
    "indicator",
    "place_type",
    "place_code",
    "period",
    "dimensions",
    "value",
    "note",
    "source_document",
    "source_table",
    "source_locator",
)
BATCH_ROWS = 2_000


def write_observations(
    conn: Connection,
    dataset_id: int,
    rows: Iterable[TidyRow],
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Append `rows` to dataset `dataset_id`; returns how many were written. `on_rows` is told
    the count of each batch written (progress)."""
    driver: Any = conn.connection.driver_connection
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        if conn.dialect.name == "postgresql":
            return _copy(driver, dataset_id, rows, on_rows)
        return _insert_many(driver, dataset_id, rows, on_rows)
    except driver_error as exc:
        # The driver's own error, wrapped as SQLAlchemy wraps it on every other write, so
        # callers see one kind of store failure (the admin API answers 503 for it).
        raise DBAPIError.instance("bulk write of observations", None, exc, driver_error) from exc


def _copy(
    driver: Any, dataset_id: int, rows: Iterable[TidyRow], on_rows: Callable[[int], None] | None
) -> int:
    written = 0
    statement = f"COPY observations ({', '.join(COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((dataset_id, *row))
            written += 1
            if on_rows is not None and written % BATCH_ROWS == 0:
                on_rows(BATCH_ROWS)
    if on_rows is not None:
        on_rows(written % BATCH_ROWS)
    return written


def _insert_many(
    driver: Any, dataset_id: int, rows: Iterable[TidyRow], on_rows: Callable[[int], None] | None
) -> int:
    # dataset_id is our own integer, written into the statement once instead of into each row.
    statement = (
        f"INSERT INTO observations ({', '.join(COLUMNS)}) "
        f"VALUES ({int(dataset_id)}{', ?' * (len(COLUMNS) - 1)})"
    )
    written = 0
    iterator = iter(rows)
    cursor = driver.cursor()
    try:
        while batch := list(islice(iterator, BATCH_ROWS)):
            cursor.executemany(statement, batch)
            written += len(batch)
            if on_rows is not None:
                on_rows(len(batch))
    finally:
        cursor.close()
    return written
