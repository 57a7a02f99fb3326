"""Build a Catalog from the store: one consistent read, retried if a load lands meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select

from app.catalog.snapshot import Catalog, ObservationFrames, periods_by_indicator
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
PLACE_TABLES: dict[str, type] = {
    "units": AdminUnit,
    "regions": OficinaRegional,
    "region_units": OficinaRegionalUnit,
    "establishments": Establishment,
    "indicators": IndicatorRow,
    "datasets": Dataset,
}
# What makes an observation the same figure: the dataset loaded last (highest id) serves it.
SERVED_KEY = ["indicator", "place_type", "place_code", "period", "dimensions"]


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


def read_table(conn: Connection, model: type, *where: Any) -> pd.DataFrame:
    """A table read in chunks, each text column sharing one string object per distinct value
    (the driver makes a new string per cell: at a million observations that alone held
    hundreds of MB, since codes, periods and sources repeat)."""
    stmt = select(*model.__table__.columns).where(*where)  # type: ignore[attr-defined]
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


def read_places(conn: Connection) -> dict[str, pd.DataFrame]:
    """Every table but the observations, as read (small: places, indicators, datasets)."""
    return {name: read_table(conn, model) for name, model in PLACE_TABLES.items()}


def _read_frames(conn: Connection) -> dict[str, pd.DataFrame]:
    return {**read_places(conn), "observations": read_table(conn, Observation)}


def _geo(frame: pd.DataFrame, geometry: str, index: str) -> gpd.GeoDataFrame:
    frame = frame.rename(columns={geometry: "geometry"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS).set_index(index, drop=False)


def _assemble(version: int, backend: str, frames: dict[str, pd.DataFrame]) -> Catalog:
    places = assemble_places(frames)
    observations_all = with_datasets(frames["observations"], places["datasets"])
    served = serve(observations_all, withdrawn_ids(places["datasets"]))
    return Catalog(
        version=version,
        backend=backend,
        built_at=datetime.now(UTC),
        observation_frames=ObservationFrames(served, observations_all),
        periods=periods_by_indicator(served),
        **places,
    )


def assemble_places(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The catalog's frames of the tables `read_places` reads."""
    units = frames["units"]
    units["departamento"] = units["ubigeo"].str[:2]
    units["provincia"] = units["ubigeo"].where(units["level"] != "departamento").str[:4]
    establishments = frames["establishments"]
    establishments["departamento"] = establishments["ubigeo"].str[:2]
    establishments["provincia"] = establishments["ubigeo"].str[:4]
    return {
        "units": _geo(units, "geom", "ubigeo"),
        "regions": _geo(frames["regions"], "geom", "code"),
        "region_units": frames["region_units"],
        "establishments": _geo(establishments, "geom", "code"),
        "indicators": frames["indicators"].set_index("code", drop=False),
        "datasets": frames["datasets"].set_index("id", drop=False),
    }


def with_datasets(observations: pd.DataFrame, datasets: pd.DataFrame) -> pd.DataFrame:
    """Observations in id order with their dataset's title and completeness."""
    if not observations["id"].is_monotonic_increasing:  # PostgreSQL returns heap order
        observations = observations.sort_values("id", kind="stable", ignore_index=True)
    return observations.merge(
        datasets[["id", "title", "is_complete"]].rename(
            columns={
                "id": "dataset_id",
                "title": "dataset_title",
                "is_complete": "dataset_is_complete",
            }
        ),
        on="dataset_id",
    )


def withdrawn_ids(datasets: pd.DataFrame) -> pd.Index:
    return pd.Index(datasets.loc[datasets["is_withdrawn"].astype(bool), "id"])


def serve(observations: pd.DataFrame, withdrawn: pd.Index) -> pd.DataFrame:
    """The figures served: for each key, the row of the highest dataset id that is not
    withdrawn; ordered by dataset id, then observation id (a deterministic order, so that a
    snapshot updated in place equals one built from scratch)."""
    live = by_dataset(observations[~observations["dataset_id"].isin(withdrawn)])
    return live.drop_duplicates(SERVED_KEY, keep="last").reset_index(drop=True)


def by_dataset(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by (dataset_id, id), with a default index."""
    order = np.lexsort((frame["id"].to_numpy(), frame["dataset_id"].to_numpy()))
    if (np.diff(order) > 0).all():
        return frame.reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)
