"""Write one validated dataset (its observations) in a single transaction, or withdraw one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from app.errors import LoadError, NotFoundError
from app.store.ingest.tidy import TidyRow, Vocabulary, parse_rows, read_table
from app.store.models import (
    AdminUnit,
    Dataset,
    DatasetChange,
    Establishment,
    IndicatorRow,
    Observation,
    OficinaRegional,
)
from app.store.version import bump_version


@dataclass(frozen=True)
class DatasetMeta:
    name: str
    title: str
    source_document: str = ""
    source_table: str = ""
    description: str = ""
    loaded_by: str = ""
    is_complete: bool = True


@dataclass(frozen=True)
class LoadResult:
    dataset_id: int
    row_count: int
    data_version: int
    checksum_sha256: str
    action: str = "added"  # or "replaced": what the load did to a dataset of that name


def read_vocabulary(conn: Connection) -> Vocabulary:
    """Indicator codes and place codes known to the store (what a row may name)."""
    places: dict[str, set[str]] = {"national": {"PE"}}
    for level, ubigeo in conn.execute(select(AdminUnit.level, AdminUnit.ubigeo)):
        places.setdefault(level, set()).add(ubigeo)
    places["oficina_regional"] = set(conn.scalars(select(OficinaRegional.code)))
    places["establishment"] = set(conn.scalars(select(Establishment.code)))
    indicators = frozenset(
        conn.scalars(select(IndicatorRow.code).where(IndicatorRow.aggregation.in_(("sum", "none"))))
    )
    # Stored figures that are summed are counts (people, places, cases): never negative.
    counts = frozenset(
        conn.scalars(select(IndicatorRow.code).where(IndicatorRow.aggregation == "sum"))
    )
    return Vocabulary(indicators, {k: frozenset(v) for k, v in places.items()}, counts)


def load_dataset(
    engine: Engine, data: bytes, filename: str, meta: DatasetMeta, *, replace: bool = False
) -> LoadResult:
    """Validate `data` fully, then write it and bump the data version in one transaction.

    With `replace`, a dataset of the same name is deleted in the same transaction.
    """
    with engine.begin() as conn:
        result = write_dataset(conn, data, filename, meta, replace=replace)
        version = bump_version(conn)
        record_load(conn, version, meta, result)
    return LoadResult(
        result.dataset_id, result.row_count, version, result.checksum_sha256, result.action
    )


def record_load(conn: Connection, version: int, meta: DatasetMeta, result: LoadResult) -> None:
    record_change(
        conn,
        version,
        result.action,
        meta.name,
        meta.title,
        result.row_count,
        result.checksum_sha256,
    )


def write_dataset(
    conn: Connection, data: bytes, filename: str, meta: DatasetMeta, *, replace: bool = False
) -> LoadResult:
    """The body of `load_dataset` inside the caller's transaction (no version bump)."""
    checksum = hashlib.sha256(data).hexdigest()
    defaults = {
        "source_document": meta.source_document,
        "source_table": meta.source_table,
    }
    rows = parse_rows(read_table(data, filename), read_vocabulary(conn), defaults)
    existing = conn.scalar(select(Dataset.id).where(Dataset.name == meta.name))
    if existing is not None:
        if not replace:
            raise LoadError(
                f"a dataset named '{meta.name}' exists; load with --replace to supersede it"
            )
        conn.execute(delete(Observation).where(Observation.dataset_id == existing))
        conn.execute(delete(Dataset).where(Dataset.id == existing))
    dataset_id = _insert_dataset(conn, meta, checksum, len(rows))
    _insert_observations(conn, dataset_id, rows)
    action = "replaced" if existing is not None else "added"
    return LoadResult(dataset_id, len(rows), 0, checksum, action)


def record_change(
    conn: Connection,
    version: int,
    action: str,
    name: str,
    title: str,
    row_count: int | None = None,
    checksum: str | None = None,
) -> None:
    """Log what data version `version` did to dataset `name` (the changes feed)."""
    conn.execute(
        insert(DatasetChange).values(
            data_version=version,
            changed_at=datetime.now(UTC),
            action=action,
            dataset=name,
            title=title,
            row_count=row_count,
            checksum_sha256=checksum,
        )
    )


def _insert_dataset(conn: Connection, meta: DatasetMeta, checksum: str, count: int) -> int:
    result = conn.execute(
        insert(Dataset)
        .values(
            name=meta.name,
            title=meta.title,
            source_document=meta.source_document,
            source_table=meta.source_table,
            description=meta.description,
            loaded_at=datetime.now(UTC),
            loaded_by=meta.loaded_by,
            checksum_sha256=checksum,
            row_count=count,
            is_withdrawn=False,
            is_complete=meta.is_complete,
        )
        .returning(Dataset.id)
    )
    return int(result.scalar_one())


def _insert_observations(conn: Connection, dataset_id: int, rows: list[TidyRow]) -> None:
    batch = [
        {
            "dataset_id": dataset_id,
            "indicator": r.indicator,
            "place_type": r.place_type,
            "place_code": r.place_code,
            "period": r.period,
            "dimensions": r.dimensions,
            "value": r.value,
            "note": r.note,
            "source_document": r.source_document,
            "source_table": r.source_table,
            "source_locator": r.source_locator,
        }
        for r in rows
    ]
    for start in range(0, len(batch), 5000):
        conn.execute(insert(Observation), batch[start : start + 5000])


def withdraw_dataset(engine: Engine, name: str) -> int:
    """Mark a dataset withdrawn (kept for the record, no longer served); returns the version."""
    with engine.begin() as conn:
        found = conn.execute(
            update(Dataset).where(Dataset.name == name).values(is_withdrawn=True)
        ).rowcount
        if not found:
            raise NotFoundError(f"no dataset named '{name}'")
        version = bump_version(conn)
        title = conn.scalar(select(Dataset.title).where(Dataset.name == name)) or ""
        record_change(conn, version, "withdrawn", name, title)
        return version
