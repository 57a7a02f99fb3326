"""Build a Catalog from the store: one consistent read, retried if a load lands meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, Engine, select

from app.catalog.snapshot import Catalog, periods_by_indicator
from app.store.engine import backend_name
from app.store.models import (
    AdminUnit,
    Dataset,
    Establishment,
    IndicatorRow,
    Observation,
    OficinaRegional,
    OficinaRegionalUnit,
)
from app.store.version import StoreState, read_store_state

CRS = "EPSG:4326"
MAX_ATTEMPTS = 5
CHUNK_ROWS = 100_000


def build_catalog(engine: Engine) -> Catalog:
    """Read the whole store into memory. Raises SQLAlchemy errors if the store is down."""
    return read_catalog(engine)[0]


def read_catalog(engine: Engine) -> tuple[Catalog, StoreState]:
    """The catalog, and the store state it was read at (the key of its persisted copy)."""
    for _ in range(MAX_ATTEMPTS):
        before = read_store_state(engine)
        with engine.connect() as conn:
            frames = _read_frames(conn)
        if read_store_state(engine) == before:
            return _assemble(before.version, backend_name(engine), frames), before
    raise RuntimeError("the store kept changing while the catalog was read")


def _frame(conn: Connection, model: type, *columns: Any) -> pd.DataFrame:
    """A table read in chunks, each text column sharing one string object per distinct value
    (the driver makes a new string per cell: at a million observations that alone held
    hundreds of MB, since codes, periods and sources repeat)."""
    stmt = select(*columns) if columns else select(model)
    result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(stmt)
    keys = list(result.keys())
    chunks = [_shared_text(_columns(keys, rows)) for rows in result.partitions()]
    if not chunks:
        return pd.DataFrame(columns=keys)
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def _columns(keys: list[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A chunk of rows as a frame, built column by column (`pd.DataFrame(rows)` probes every
    SQLAlchemy row for namedtuple fields: at a million rows that alone took over 25 s)."""
    return pd.DataFrame(dict(zip(keys, zip(*rows, strict=True), strict=True)))


def _shared_text(frame: pd.DataFrame) -> pd.DataFrame:
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype):
            codes, uniques = pd.factorize(column)
            frame[name] = pd.Series(
                pd.api.extensions.take(uniques, codes, allow_fill=True),
                index=frame.index,
                dtype=column.dtype,
            )
    return frame


def _read_frames(conn: Connection) -> dict[str, pd.DataFrame]:
    return {
        "units": _frame(conn, AdminUnit, *AdminUnit.__table__.columns),
        "regions": _frame(conn, OficinaRegional, *OficinaRegional.__table__.columns),
        "region_units": _frame(conn, OficinaRegionalUnit, *OficinaRegionalUnit.__table__.columns),
        "establishments": _frame(conn, Establishment, *Establishment.__table__.columns),
        "indicators": _frame(conn, IndicatorRow, *IndicatorRow.__table__.columns),
        "datasets": _frame(conn, Dataset, *Dataset.__table__.columns),
        "observations": _frame(conn, Observation, *Observation.__table__.columns),
    }


def _geo(frame: pd.DataFrame, geometry: str, index: str) -> gpd.GeoDataFrame:
    frame = frame.rename(columns={geometry: "geometry"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS).set_index(index, drop=False)


def _assemble(version: int, backend: str, frames: dict[str, pd.DataFrame]) -> Catalog:
    units = frames["units"]
    units["departamento"] = units["ubigeo"].str[:2]
    units["provincia"] = units["ubigeo"].where(units["level"] != "departamento").str[:4]
    establishments = frames["establishments"]
    establishments["departamento"] = establishments["ubigeo"].str[:2]
    establishments["provincia"] = establishments["ubigeo"].str[:4]
    datasets = frames["datasets"].set_index("id", drop=False)
    observations_all = frames["observations"].merge(
        datasets[["id", "title", "is_withdrawn", "is_complete"]].rename(
            columns={
                "id": "dataset_id",
                "title": "dataset_title",
                "is_complete": "dataset_is_complete",
            }
        ),
        on="dataset_id",
    )
    live = observations_all[~observations_all["is_withdrawn"].astype(bool)]
    key = ["indicator", "place_type", "place_code", "period", "dimensions"]
    # The dataset loaded last (highest id) wins; the others stay in observations_all.
    served = (
        live.sort_values("dataset_id")
        .drop_duplicates(key, keep="last")
        .drop(columns=["is_withdrawn"])
        .reset_index(drop=True)
    )
    return Catalog(
        version=version,
        backend=backend,
        built_at=datetime.now(UTC),
        units=_geo(units, "geom", "ubigeo"),
        regions=_geo(frames["regions"], "geom", "code"),
        region_units=frames["region_units"],
        establishments=_geo(establishments, "geom", "code"),
        indicators=frames["indicators"].set_index("code", drop=False),
        observations=served,
        observations_all=observations_all.drop(columns=["is_withdrawn"]),
        datasets=datasets,
        periods=periods_by_indicator(served),
    )
