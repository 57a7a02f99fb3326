"""The Catalog snapshot every read path uses; frames are never mutated after build."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from app.codes import period_sort_key
from app.errors import NotFoundError


class ObservationFrames:
    """The observation frames of a snapshot (served, all): given, or loaded by a background
    thread started at once (a persisted snapshot's largest frames: the first maps and series
    are answered from its statistics database without them). Readers wait for the load;
    a load that failed raises again for every reader."""

    def __init__(
        self,
        served: pd.DataFrame | None = None,
        all_rows: pd.DataFrame | None = None,
        load: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    ) -> None:
        self._frames = None if served is None or all_rows is None else (served, all_rows)
        self._error: BaseException | None = None
        self._done = threading.Event()
        if self._frames is not None:
            self._done.set()
        elif load is not None:
            # Not a daemon: interpreter exit must not stop it inside a DuckDB query.
            threading.Thread(target=self._run, args=(load,), name="observation-frames").start()
        else:
            raise ValueError("observation frames need either both frames or a loader")

    def _run(self, load: Callable[[], tuple[pd.DataFrame, pd.DataFrame]]) -> None:
        try:
            self._frames = load()
        except BaseException as exc:  # re-raised in every reader's thread
            self._error = exc
        finally:
            self._done.set()

    def get(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        self._done.wait()
        if self._frames is None:
            raise RuntimeError("the snapshot's observations could not be loaded") from self._error
        return self._frames


@dataclass(frozen=True)
class Catalog:
    """One consistent view of the store at `version`.

    Frames (all EPSG:4326, lon/lat):
    - units: index ubigeo; level, name, parent_ubigeo, departamento, provincia, capital_name,
      area_km2, source, geometry (polygon; None for distritos without one), capital (Point).
    - regions: index code; name, seat, source, geometry; region_units: oficina_regional, ubigeo.
    - establishments: index code; name, kind, oficina_regional, ubigeo, departamento,
      provincia, location_precision, location_source, population_served, source, geometry.
    - indicators: index code; the declarations stored in the store.
    - observations: the figures served (for each key, the latest loaded, non-withdrawn
      dataset wins); observations_all keeps every figure with its provenance.
    - datasets: index id.

    The two observation frames are held by `observation_frames` (loaded in the background
    for a persisted snapshot).

    `persisted`: the folder this snapshot was loaded from (app/catalog/persist.py), whose
    statistics tables the engine then reads instead of computing them; None when built from
    the store.
    """

    version: int
    backend: str
    built_at: datetime
    units: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    region_units: pd.DataFrame
    establishments: gpd.GeoDataFrame
    indicators: pd.DataFrame
    observation_frames: ObservationFrames
    datasets: pd.DataFrame
    periods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    persisted: Path | None = None

    @property
    def observations(self) -> pd.DataFrame:
        return self.observation_frames.get()[0]

    @property
    def observations_all(self) -> pd.DataFrame:
        return self.observation_frames.get()[1]

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    def establishment(self, code: str) -> pd.Series:
        try:
            return self.establishments.loc[code]
        except KeyError:
            raise NotFoundError(f"no establishment with code '{code}'") from None

    def units_at(self, level: str) -> gpd.GeoDataFrame:
        return self.units[self.units["level"] == level]

    def counts(self) -> dict[str, int]:
        counts = {
            f"units_{lvl}": int((self.units["level"] == lvl).sum())
            for lvl in ("departamento", "provincia", "distrito")
        }
        counts["oficinas_regionales"] = len(self.regions)
        for kind in ("ep", "eml"):
            counts[f"establishments_{kind}"] = int((self.establishments["kind"] == kind).sum())
        counts["indicators"] = len(self.indicators)
        counts["datasets"] = len(self.datasets)
        counts["observations"] = len(self.observations)
        return counts


def periods_by_indicator(observations: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Sorted periods with at least one value, per indicator."""
    with_value = observations[observations["value"].notna()]
    result: dict[str, tuple[str, ...]] = {}
    for code, group in with_value.groupby("indicator", sort=False):
        result[str(code)] = tuple(sorted(set(group["period"]), key=period_sort_key))
    return result
