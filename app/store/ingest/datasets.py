"""Load one dataset (its observations) in a single transaction, or withdraw one.

A file is read twice and never held in memory: a first pass validates every row and finds
duplicates (8 bytes per row), a second pass writes through the backend's bulk path. Nothing
is written before the whole file is known to be valid.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select, update

from app.errors import LoadError, NotFoundError
from app.store.ingest.bulk import write_observations
from app.store.ingest.table import (
    LoadLimits,
    TableSource,
    is_workbook,
    read_table,
    source_sha256,
    source_size,
)
from app.store.ingest.tidy import Vocabulary, duplicate_error, iter_rows
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


class LoadProgress(Protocol):
    """Told how a load advances (the CLI draws progress bars with it)."""

    def begin(self, phase: str, total: int | None, unit: str) -> None: ...

    def advance(self, amount: int) -> None: ...


class NoProgress:
    def begin(self, phase: str, total: int | None, unit: str) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass(frozen=True)
class LoadInput:
    """A file to load and how: its bytes or where to read them, its name (CSV or XLSX by the
    extension), the bounds, and who to tell about progress."""

    source: TableSource
    filename: str
    limits: LoadLimits = LoadLimits()
    progress: LoadProgress = NoProgress()


def load_dataset(
    engine: Engine,
    data: TableSource | LoadInput,
    filename: str,
    meta: DatasetMeta,
    *,
    replace: bool = False,
) -> LoadResult:
    """Validate the file fully, then write it and bump the data version in one transaction.

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
    conn: Connection,
    data: TableSource | LoadInput,
    filename: str,
    meta: DatasetMeta,
    *,
    replace: bool = False,
) -> LoadResult:
    """The body of `load_dataset` inside the caller's transaction (no version bump)."""
    given = data if isinstance(data, LoadInput) else LoadInput(data, filename)
    defaults = {
        "source_document": meta.source_document,
        "source_table": meta.source_table,
    }
    vocabulary = read_vocabulary(conn)
    checksum = source_sha256(given.source)
    count = check_file(given, vocabulary, defaults)
    existing = conn.scalar(select(Dataset.id).where(Dataset.name == meta.name))
    if existing is not None:
        if not replace:
            raise LoadError(
                f"a dataset named '{meta.name}' exists; load with --replace to supersede it"
            )
        conn.execute(delete(Observation).where(Observation.dataset_id == existing))
        conn.execute(delete(Dataset).where(Dataset.id == existing))
    dataset_id = _insert_dataset(conn, meta, checksum, count)
    given.progress.begin("writing", count, "rows")
    with read_table(given.source, given.filename, given.limits) as table:
        rows = (row for _, row in iter_rows(table, vocabulary, defaults))
        written = write_observations(conn, dataset_id, rows, given.progress.advance)
    if written != count or source_sha256(given.source) != checksum:
        raise LoadError("the file changed while it was being loaded; nothing was stored")
    action = "replaced" if existing is not None else "added"
    return LoadResult(dataset_id, count, 0, checksum, action)


def check_file(given: LoadInput, vocabulary: Vocabulary, defaults: dict[str, str]) -> int:
    """Validate every row and look for repeated rows; returns the count of data rows."""
    is_csv = not is_workbook(given.filename)
    progress = given.progress
    total = source_size(given.source) if is_csv else None
    progress.begin("checking", total, "B" if is_csv else "rows")
    hashes = array("q")
    shown = 0
    with read_table(given.source, given.filename, given.limits) as table:
        for _, row in iter_rows(table, vocabulary, defaults):
            hashes.append(hash(row.key))
            if len(hashes) % 16_384 == 0:
                done = table.bytes_read if is_csv else len(hashes)
                progress.advance(done - shown)
                shown = done
        progress.advance((table.bytes_read if is_csv else len(hashes)) - shown)
    count = len(hashes)
    # Keys are hashed to 8 bytes per row and sorted in place: no repeated hash, no repeated row.
    values = np.frombuffer(hashes, dtype=np.int64)
    values.sort()
    if (values[1:] == values[:-1]).any():
        del values
        _raise_first_repeat(given, vocabulary, defaults)
    return count


def _raise_first_repeat(given: LoadInput, vocabulary: Vocabulary, defaults: dict[str, str]) -> None:
    """Raise for the first row that repeats an earlier one. Read again for the hashes in file
    order; rows whose hash repeats are read once more and their keys compared (a hash
    collision between different keys is not a repeat), a group of 1,024 at a time."""
    with read_table(given.source, given.filename, given.limits) as table:
        hashes = np.fromiter(
            (hash(row.key) for _, row in iter_rows(table, vocabulary, defaults)), dtype=np.int64
        )
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    # Where a hash equals the one before it in sorted order, the later row in the file repeats it.
    later = np.sort(order[1:][ordered[1:] == ordered[:-1]])
    for start in range(0, len(later), 1024):
        suspects = set(hashes[later[start : start + 1024]].tolist())
        first: dict[tuple[str, str, str, str, str], int] = {}
        with read_table(given.source, given.filename, given.limits) as table:
            for number, row in iter_rows(table, vocabulary, defaults):
                if hash(row.key) in suspects:
                    if row.key in first:
                        raise duplicate_error(number, first[row.key])
                    first[row.key] = number


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
