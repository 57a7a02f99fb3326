"""The catalog's observations grouped by (indicator, place type, period, dimensions).

Built once per catalog snapshot (app/stats/snapshot_cache.py), so that the slice an
aggregation needs is a dictionary look-up, not a scan of every observation per request.
Read-only: frames handed out are shared between requests and must not be mutated.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.catalog.snapshot import Catalog
from app.sources import describe
from app.stats.snapshot_cache import per_snapshot

SliceKey = tuple[str, str, str, str]  # indicator, place_type, period, dimensions
Source = tuple[str, str, str, str]  # dataset, document, table, locator
KEY_COLUMNS = ["indicator", "place_type", "period", "dimensions"]


def source_dict(source: Source) -> dict[str, str]:
    """A source as the API writes it: the publication, table, locator, citation and trace
    (see app/sources.py)."""
    return describe(*source)


@dataclass(frozen=True)
class ObservationIndex:
    """Row positions of each slice of `rows` (value float, note str, source tuple, place_code).

    `valued_slices` holds the slices with at least one value; `valued_periods` the
    (indicator, place_type, period) triples with a value under any dimensions.
    `rollup_positions` holds, per slice key with place type 'establishment', the rows of
    complete datasets only: the figures that may be summed into higher levels.
    """

    rows: pd.DataFrame
    positions: dict[SliceKey, np.ndarray]
    valued_slices: frozenset[SliceKey]
    valued_periods: frozenset[tuple[str, str, str]]
    empty: pd.DataFrame
    rollup_positions: dict[SliceKey, np.ndarray]
    _frames: dict[SliceKey, pd.DataFrame] = field(default_factory=dict)
    _valued_frames: dict[SliceKey, pd.DataFrame] = field(default_factory=dict)
    _rollup_frames: dict[SliceKey, pd.DataFrame] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def slice(self, indicator: str, place_type: str, period: str, dims: str) -> pd.DataFrame:
        """Rows of one slice indexed by place code: value (NaN when not reported), note, source."""
        key = (indicator, place_type, period, dims)
        frame = self._frames.get(key)
        if frame is not None:
            return frame
        pos = self.positions.get(key)
        if pos is None:
            return self.empty
        frame = self.rows.iloc[pos].set_index("place_code")[["value", "note", "source"]]
        with self._lock:
            return self._frames.setdefault(key, frame)

    def values(self, indicator: str, place_type: str, period: str, dims: str) -> pd.DataFrame:
        """Only the rows of a slice that carry a value."""
        key = (indicator, place_type, period, dims)
        frame = self._valued_frames.get(key)
        if frame is not None:
            return frame
        if key not in self.valued_slices:
            return self.empty
        frame = self.slice(indicator, place_type, period, dims)
        frame = frame[frame["value"].notna()]
        with self._lock:
            return self._valued_frames.setdefault(key, frame)

    def has_values(self, indicator: str, place_type: str, period: str, dims: str) -> bool:
        return (indicator, place_type, period, dims) in self.valued_slices

    def rollup_values(self, indicator: str, period: str, dims: str) -> pd.DataFrame:
        """Establishment rows with a value from complete datasets (those that may be summed)."""
        key = (indicator, "establishment", period, dims)
        frame = self._rollup_frames.get(key)
        if frame is not None:
            return frame
        pos = self.rollup_positions.get(key)
        if pos is None:
            return self.empty
        frame = self.rows.iloc[pos].set_index("place_code")[["value", "note", "source"]]
        with self._lock:
            return self._rollup_frames.setdefault(key, frame)


def _slice_key(values: object) -> SliceKey:
    indicator, place_type, period, dims = (str(v) for v in values)  # type: ignore[attr-defined]
    return (indicator, place_type, period, dims)


def _build(catalog: Catalog) -> ObservationIndex:
    obs = catalog.observations
    rows = pd.DataFrame(
        {
            "indicator": obs["indicator"].astype(str).to_numpy(),
            "place_type": obs["place_type"].astype(str).to_numpy(),
            "period": obs["period"].astype(str).to_numpy(),
            "dimensions": obs["dimensions"].fillna("").astype(str).to_numpy(),
            "place_code": obs["place_code"].astype(str).to_numpy(),
            "value": pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float),
            "note": [n if isinstance(n, str) else "" for n in obs["note"]],
            "is_complete": obs["dataset_is_complete"].astype(bool).to_numpy(),
            "source": list(
                zip(
                    obs["dataset_title"].astype(str),
                    obs["source_document"].astype(str),
                    obs["source_table"].astype(str),
                    obs["source_locator"].astype(str),
                    strict=True,
                )
            ),
        }
    )
    positions: dict[SliceKey, np.ndarray] = {}
    if len(rows):
        grouped = rows.groupby(KEY_COLUMNS, sort=False).indices
        positions = {_slice_key(k): v for k, v in grouped.items()}
    valued = rows[rows["value"].notna()]
    valued_slices = frozenset(
        _slice_key(k) for k in valued[KEY_COLUMNS].drop_duplicates().itertuples(index=False)
    )
    valued_periods = frozenset((k[0], k[1], k[2]) for k in valued_slices)
    empty = rows.iloc[:0].set_index("place_code")[["value", "note", "source"]]
    summable = rows[
        (rows["place_type"] == "establishment") & rows["is_complete"] & rows["value"].notna()
    ]
    rollup_positions: dict[SliceKey, np.ndarray] = {}
    if len(summable):
        # Positions relative to `rows`, so rollup frames are cut from the same table.
        grouped = summable.groupby(KEY_COLUMNS, sort=False).indices
        base = summable.index.to_numpy()
        rollup_positions = {_slice_key(k): base[v] for k, v in grouped.items()}
    return ObservationIndex(rows, positions, valued_slices, valued_periods, empty, rollup_positions)


def observation_index(catalog: Catalog) -> ObservationIndex:
    """The index of `catalog`, built on first use and kept while the catalog lives."""
    return per_snapshot(catalog, "observation_index", lambda: _build(catalog))
