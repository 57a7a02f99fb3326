"""Update a snapshot after a load instead of rebuilding it from the whole store.

When every data version since the snapshot's was a plain load of datasets (added or replaced:
the store's `dataset_changes` log) and the places, indicators and the other datasets are
unchanged, only the loaded datasets' observations are read from the store. The catalog's
frames keep their other rows; the served figures, the periods and the statistics tables are
recomputed only for the (indicator, period) pairs the loads touched. The result equals a
snapshot built from scratch (tests/catalog/test_snapshot_update.py); anything else (a
withdrawal, new places or boundaries, an unknown history, a store that changed meanwhile)
returns None and the caller rebuilds.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from app.catalog.build import (
    assemble_places,
    by_dataset,
    read_places,
    read_table,
    serve,
    with_datasets,
    withdrawn_ids,
)
from app.catalog.persist import STATS_DATABASE, Reuse, persist
from app.catalog.snapshot import Catalog, ObservationFrames
from app.codes import period_sort_key
from app.stats.engine import update_stats
from app.store.models import DatasetChange, Observation
from app.store.version import StoreState, read_store_state

log = logging.getLogger(__name__)

PLAIN_LOADS = frozenset({"added", "replaced"})
# Frames compared with the store's tables: any difference means a rebuild.
UNCHANGED = ("units", "regions", "region_units", "establishments", "indicators")
PAIR = ["indicator", "period"]


@dataclass(frozen=True)
class SnapshotUpdate:
    """A new catalog (not persisted yet), the store state it matches, the (indicator,
    period) pairs whose served figures were recomputed, those served rows, and the datasets
    whose observations were kept from the previous snapshot."""

    catalog: Catalog
    state: StoreState
    changed: pd.DataFrame
    served_changed: pd.DataFrame
    unchanged_datasets: frozenset[int]


def read_update(engine: Engine, previous: Catalog) -> SnapshotUpdate | None:
    """The catalog of the store's current version made from `previous`, or None when the
    changes since it are not plain loads (the caller then reads the whole store)."""
    before = read_store_state(engine)
    if before.version <= previous.version or previous.observations_all.empty:
        return None
    with engine.connect() as conn:
        reason = _unplain_history(conn, previous.version, before.version)
        if reason is None:
            places = assemble_places(read_places(conn))
            reason = _changed_places(previous, places)
        if reason is not None:
            log.info("catalog v%s: rebuilt, not updated (%s)", before.version, reason)
            return None
        datasets = places["datasets"]
        # A dataset whose record changed under the same id was replaced (SQLite gives the
        # id of a deleted last row to the next one): its rows are read again.
        kept = previous.datasets.index.intersection(datasets.index)
        same = (previous.datasets.loc[kept] == datasets.loc[kept]).all(axis=1)
        replaced = kept[~same.to_numpy()]
        added = datasets.index.difference(previous.datasets.index).union(replaced)
        removed = previous.datasets.index.difference(datasets.index).union(replaced)
        rows = read_table(conn, Observation, Observation.dataset_id.in_(added.tolist()))
        counts = _observation_counts(conn)
    if read_store_state(engine) != before:
        log.info("catalog v%s: the store changed while it was read; rebuilt", before.version)
        return None
    expected = pd.concat(
        [
            previous.observations_all["dataset_id"].value_counts().drop(removed, errors="ignore"),
            rows["dataset_id"].value_counts(),
        ]
    )
    if not expected.sort_index().astype("int64").equals(counts):
        log.info("catalog v%s: observations differ from the snapshot's; rebuilt", before.version)
        return None
    return _apply(previous, before, datasets, rows, removed)


def persist_update(root: Path, update: SnapshotUpdate, previous: Path) -> Path | None:
    """Persist the updated snapshot beside `previous` (the folder of the snapshot it was made
    from): its statistics database is a copy of the previous one with the changed pairs
    recomputed, and the observation files of unchanged datasets are links to the previous
    ones. The folder, or None if it could not be written (logged)."""

    def write_stats(target: Path) -> list[str]:
        shutil.copyfile(previous / STATS_DATABASE, target)
        with duckdb.connect(str(target)) as database:
            update_stats(database, update.changed, update.served_changed)
            database.execute("CHECKPOINT")
            found = database.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        return [str(r[0]) for r in found]

    reuse = Reuse(previous, update.unchanged_datasets, frozenset(UNCHANGED))
    return persist(root, update.state, update.catalog, write_stats, reuse)


def _unplain_history(conn: Connection, since: int, until: int) -> str | None:
    """Why the versions after `since` up to `until` are not plain loads, or None."""
    found = conn.execute(
        select(DatasetChange.data_version, DatasetChange.action).where(
            DatasetChange.data_version > since, DatasetChange.data_version <= until
        )
    ).all()
    versions = {int(v) for v, _ in found}
    if versions != set(range(since + 1, until + 1)):
        return "a version without a recorded dataset load"
    actions = {str(a) for _, a in found} - PLAIN_LOADS
    return f"datasets {', '.join(sorted(actions))}" if actions else None


def _changed_places(previous: Catalog, places: dict[str, pd.DataFrame]) -> str | None:
    for name in UNCHANGED:
        if not places[name].equals(getattr(previous, name)):
            return f"{name} changed"
    if not places["datasets"].columns.equals(previous.datasets.columns):
        return "datasets changed"
    return None


def _observation_counts(conn: Connection) -> pd.Series:
    found = conn.execute(
        select(Observation.dataset_id, func.count()).group_by(Observation.dataset_id)
    ).all()
    counts = pd.Series({int(i): int(n) for i, n in found}, dtype="int64")
    return counts.sort_index()


def _apply(
    previous: Catalog,
    state: StoreState,
    datasets: pd.DataFrame,
    rows: pd.DataFrame,
    removed: pd.Index,
) -> SnapshotUpdate:
    old_all = previous.observations_all
    raw_columns = [c for c in old_all.columns if c in rows.columns]
    added_rows = with_datasets(rows[raw_columns].astype(old_all[raw_columns].dtypes), datasets)
    is_removed = old_all["dataset_id"].isin(removed).to_numpy()
    removed_rows = old_all[is_removed]
    kept_all = _without(old_all, is_removed)
    observations_all = pd.concat([kept_all, added_rows], ignore_index=True)
    if not observations_all["id"].is_monotonic_increasing:
        observations_all = observations_all.sort_values("id", kind="stable", ignore_index=True)
    changed = pd.concat([added_rows[PAIR], removed_rows[PAIR]]).drop_duplicates()
    recomputed = serve(
        observations_all[_in_pairs(observations_all, changed)], withdrawn_ids(datasets)
    )
    old_served = _in_pairs(previous.observations, changed)
    kept = _without(previous.observations, old_served)
    served = by_dataset(pd.concat([kept, recomputed], ignore_index=True))
    catalog = Catalog(
        version=state.version,
        backend=previous.backend,
        built_at=datetime.now(UTC),
        units=previous.units,
        regions=previous.regions,
        region_units=previous.region_units,
        establishments=previous.establishments,
        indicators=previous.indicators,
        observation_frames=ObservationFrames(served, observations_all),
        datasets=datasets,
        periods=_periods(previous.periods, changed, recomputed),
    )
    unchanged = frozenset(int(i) for i in previous.datasets.index.difference(removed))
    return SnapshotUpdate(catalog, state, changed.reset_index(drop=True), recomputed, unchanged)


def _without(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """`frame` without the `rows` (a mask), copying its million rows only when needed: the
    rows of the latest dataset, which a monthly load replaces, are its last ones."""
    if not rows.any():
        return frame
    first = int(rows.argmax())
    if rows[first:].all():
        return frame.iloc[:first]
    return frame[~rows]


def _in_pairs(frame: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Which rows of `frame` have an (indicator, period) of `pairs` (the period first: a
    cheap filter that leaves few rows to match on both)."""
    mask = np.zeros(len(frame), dtype=bool)
    candidates = np.flatnonzero(frame["period"].isin(pairs["period"].unique()).to_numpy())
    if len(candidates):
        subset = frame.iloc[candidates]
        keys = pd.MultiIndex.from_arrays([subset["indicator"], subset["period"]])
        mask[candidates] = keys.isin(pd.MultiIndex.from_frame(pairs[PAIR]))
    return mask


def _periods(
    previous: dict[str, tuple[str, ...]], changed: pd.DataFrame, recomputed: pd.DataFrame
) -> dict[str, tuple[str, ...]]:
    """`periods_by_indicator` of the new served figures, from the previous periods: only the
    changed pairs can have gained or lost a value."""
    valued = recomputed[recomputed["value"].notna()]
    periods = dict(previous)
    for indicator, group in changed.groupby("indicator", sort=False):
        touched = set(group["period"])
        kept = {p for p in periods.pop(str(indicator), ()) if p not in touched}
        gained = set(valued.loc[valued["indicator"] == indicator, "period"])
        if kept or gained:
            periods[str(indicator)] = tuple(sorted(kept | gained, key=period_sort_key))
    return periods
