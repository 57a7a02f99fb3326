"""Persisted snapshots: a built catalog and its statistics tables as Parquet, one folder per
store and data version, so that a new process loads them instead of reading the whole store.

Layout: `<root>/<store_id>-v<version>-<stamp>/` holds one Parquet file per catalog frame (all
the observations: one file per dataset, `observations_all-<dataset id>.parquet`; the served
ones as positions into them), the statistics engine's tables as a DuckDB database file
(`stats.duckdb`, see app/stats/engine.py: opened read-only, its pages are read on demand
instead of loaded) and `manifest.json` (format, key, column types), written last. A folder is
written under a temporary name and renamed into place, so it is either complete or absent;
the stamp (a digest of the store's `data_version.updated_at`) tells apart two histories that
reached the same version number (a store restored from a backup, then loaded again). Anything
unreadable, incomplete or of another format is ignored: the caller rebuilds from the store.

A snapshot updated after a load (app/catalog/update.py) links the files of the datasets and
frames that did not change from the previous folder instead of writing them again. Processes
sharing the folder build each version once: the first takes a claim (`.claim-<key>`), the
others wait for its folder (`claim`, `wait_for`).

Loading reads the small frames at once and the two observation frames in a background
thread (app/catalog/snapshot.py ObservationFrames), from files opened before returning.

Parquet is read and written by DuckDB (already the statistics engine; no pyarrow needed). Text
columns come back through DuckDB's ENUM type as categories, so each distinct value is one
Python string however many rows share it (as in app/catalog/build.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.catalog.snapshot import Catalog, ObservationFrames
from app.store.version import StoreState

log = logging.getLogger(__name__)

FORMAT = 2
MANIFEST = "manifest.json"
STATS_DATABASE = "stats.duckdb"
FRAMES = (
    "units",
    "regions",
    "region_units",
    "establishments",
    "indicators",
    "observations",
    "observations_all",
    "datasets",
)
# Frames stored as positions of rows of another frame (the served observations are rows
# of all the observations: storing them twice doubled the size and the load time).
SUBSETS = {"observations": "observations_all"}
# Read in the background after the others (app/catalog/snapshot.py ObservationFrames).
LAZY = ("observations_all", "observations")
# Frames stored as one file per value of a column (per dataset: after a load, a new snapshot
# links the files of the datasets that did not change instead of writing them again).
PARTS = {"observations_all": "dataset_id"}
CRS = "EPSG:4326"
INDEX_COLUMN = "__index__"
STALE_TEMPORARY_S = 3600.0
# A claim to build a snapshot (`claim`) older than this is ignored: its builder is stuck.
STALE_CLAIM_S = 900.0
CLAIM_POLL_S = 0.05


@dataclass(frozen=True)
class Reuse:
    """Files of an earlier snapshot folder a new one may link: those of the `parts` (dataset
    ids) whose rows are known to be unchanged, and of the unchanged `frames`."""

    folder: Path
    parts: frozenset[int]
    frames: frozenset[str] = frozenset()


def snapshot_key(state: StoreState) -> str:
    stamp = hashlib.sha256(state.updated_at.encode()).hexdigest()[:12]
    return f"{state.store_id}-v{state.version}-{stamp}"


def snapshot_folder(root: Path, state: StoreState) -> Path:
    return root / snapshot_key(state)


def read_snapshot(root: Path, state: StoreState) -> Catalog | None:
    """The catalog persisted for `state`, or None when there is none or it cannot be used
    (logged: the caller rebuilds it from the store)."""
    folder = snapshot_folder(root, state)
    if not folder.exists():
        return None
    try:
        return _read(folder, state)
    except (OSError, ValueError, KeyError, TypeError, duckdb.Error, shapely.errors.GEOSException):
        log.warning(
            "persisted snapshot %s is unreadable; removed, rebuilding it from the store",
            folder,
            exc_info=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
        return None


def write_snapshot(
    root: Path, state: StoreState, catalog: Catalog, stats: duckdb.DuckDBPyConnection
) -> Path | None:
    """Persist `catalog` (built at `state`) and the tables of its statistics database; the
    folder, or None if it could not be written (logged: serving goes on from memory)."""
    return persist(root, state, catalog, lambda target: _copy_stats(stats, target))


def persist(
    root: Path,
    state: StoreState,
    catalog: Catalog,
    write_stats: Callable[[Path], list[str]],
    reuse: Reuse | None = None,
) -> Path | None:
    """Write the snapshot folder of `state`: the catalog's frames, and the statistics database
    file that `write_stats(path)` writes (returning its tables). With `reuse`, the files of
    the unchanged datasets of an earlier snapshot of the same store are linked from it
    instead of written again. The folder, or None if it
    could not be written (logged)."""
    folder = snapshot_folder(root, state)
    if (folder / MANIFEST).is_file():
        return folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=root))
        temporary.chmod(0o755)  # readable by replicas running as other users
    except OSError as exc:
        log.warning("cannot persist the snapshot under %s: %s", root, exc)
        return None
    try:
        manifest = _write(temporary, state, catalog, reuse)
        manifest["stats_tables"] = write_stats(temporary / STATS_DATABASE)
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=1))
        for written in temporary.iterdir():
            _fsync(written)
        _fsync(temporary)
        temporary.rename(folder)
        _fsync(root)
    except (OSError, duckdb.Error) as exc:  # a full or read-only volume: DuckDB's IOException
        shutil.rmtree(temporary, ignore_errors=True)
        if (folder / MANIFEST).is_file():  # another process persisted it first
            return folder
        log.warning("cannot persist the snapshot to %s: %s", folder, exc)
        return None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    log.info("snapshot v%s persisted to %s", state.version, folder)
    return folder


@contextlib.contextmanager
def claim(root: Path, state: StoreState) -> Iterator[bool]:
    """Claim the building of the snapshot of `state` among the processes sharing `root`:
    yields True to the one that should build it (the claim is released on exit), False while
    another live process holds the claim (then `wait_for` it). A claim whose process is gone
    (same host) or older than STALE_CLAIM_S is taken over."""
    path = root / f".claim-{snapshot_key(state)}"
    owner = f"{socket.gethostname()} {os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not _take(path, owner):
            yield False
            return
    except OSError:  # an unwritable folder: build without a claim (persisting will fail)
        yield True
        return
    try:
        yield True
    finally:
        with contextlib.suppress(OSError):
            if path.read_text() == owner:
                path.unlink()


def _take(path: Path, owner: str) -> bool:
    """Create the claim file (atomically: of two processes, one wins); True if taken."""
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if _held_by_other(path):
                return False
            path.unlink(missing_ok=True)  # stale: taken over
            continue
        with os.fdopen(descriptor, "w") as handle:
            handle.write(owner)
        return True
    return False


def _held_by_other(path: Path) -> bool:
    try:
        text = path.read_text()
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    if age > STALE_CLAIM_S:
        return False
    host, _, pid = text.partition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's, or being written
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(root: Path, state: StoreState, timeout_s: float = STALE_CLAIM_S) -> bool:
    """Wait while another process builds the snapshot of `state`; True once it is there,
    False if the builder gave up or `timeout_s` passed."""
    folder = snapshot_folder(root, state)
    claim_path = root / f".claim-{snapshot_key(state)}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (folder / MANIFEST).is_file():
            return True
        if not _held_by_other(claim_path):
            return (folder / MANIFEST).is_file()
        time.sleep(CLAIM_POLL_S)
    return False


def prune(root: Path, state: StoreState) -> None:
    """Remove the snapshots of the same store older than `state` (or of another history at
    its version), and temporary folders left by a crash. Newer ones, written by a replica
    that is ahead, stay."""
    keep = snapshot_folder(root, state)
    prefix = f"{state.store_id}-v"
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if entry == keep or not entry.is_dir():
            continue
        if entry.name.startswith(".tmp-"):
            try:
                stale = now - entry.stat().st_mtime > STALE_TEMPORARY_S
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(prefix):
            version = entry.name[len(prefix) :].split("-")[0]
            if version.isdigit() and int(version) <= state.version:
                shutil.rmtree(entry, ignore_errors=True)


def open_stats(folder: Path) -> duckdb.DuckDBPyConnection:
    """The persisted statistics database of a snapshot folder, read-only. The open file stays
    readable after the folder is pruned (the data lives until the connection is closed)."""
    return duckdb.connect(str(folder / STATS_DATABASE), read_only=True)


def _write(
    folder: Path, state: StoreState, catalog: Catalog, reuse: Reuse | None
) -> dict[str, Any]:
    database = duckdb.connect(":memory:")
    frames: dict[str, Any] = {}
    earlier = _manifest(reuse.folder) if reuse is not None else None
    try:
        for name in FRAMES:
            frame = getattr(catalog, name)
            target = folder / f"{name}.parquet"
            if name in SUBSETS:
                frames[name] = _write_subset(database, frame, catalog, SUBSETS[name], target)
            elif name in PARTS:
                reusable = _reusable_parts(earlier, reuse, name)
                frames[name] = _write_parts(database, frame, folder, name, reusable)
            elif earlier is not None and reuse is not None and name in reuse.frames:
                _link(reuse.folder / target.name, target)
                frames[name] = earlier["frames"][name]
            else:
                frames[name] = _write_frame(database, frame, target)
    finally:
        database.close()
    return {
        "format": FORMAT,
        "key": snapshot_key(state),
        "version": catalog.version,
        "backend": catalog.backend,
        "built_at": catalog.built_at.isoformat(),
        "periods": catalog.periods,
        "frames": frames,
    }


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == FORMAT else None


def _reusable_parts(
    earlier: dict[str, Any] | None, reuse: Reuse | None, name: str
) -> dict[int, tuple[Path, dict[str, Any]]]:
    """The part files of frame `name` in an earlier snapshot that may be reused, by id."""
    if earlier is None or reuse is None:
        return {}
    spec = earlier["frames"][name]
    return {
        int(part_id): (reuse.folder / _part_file(name, int(part_id)), {**spec, "rows": rows})
        for part_id, rows in spec["parts"]
        if int(part_id) in reuse.parts
    }


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copyfile(source, target)


def _part_file(name: str, part_id: int) -> str:
    return f"{name}-{part_id}.parquet"


def _write_parts(
    database: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    folder: Path,
    name: str,
    reusable: dict[int, tuple[Path, dict[str, Any]]],
) -> dict[str, Any]:
    """Write a frame (in id order, default index) as one file per dataset; a reusable file of
    an earlier snapshot with the same columns and as many rows is linked instead."""
    key = frame[PARTS[name]].to_numpy()
    columns = {str(c): str(frame[c].dtype) for c in frame.columns}
    parts: list[list[int]] = []
    for part_id in pd.unique(key):
        positions = np.flatnonzero(key == part_id)  # rows are taken only if written
        target = folder / _part_file(name, int(part_id))
        earlier = reusable.get(int(part_id))
        if (
            earlier is not None
            and earlier[1]["columns"] == columns
            and earlier[1]["rows"] == len(positions)
        ):
            _link(earlier[0], target)
        else:
            _write_frame(database, frame.take(positions).reset_index(drop=True), target)
        parts.append([int(part_id), len(positions)])
    return {
        "columns": columns,
        "geometry": [],
        "active_geometry": None,
        "index": None,
        "index_dtype": None,
        "rows": len(frame),
        "parts": parts,
    }


def _copy_stats(stats: duckdb.DuckDBPyConnection, target: Path) -> list[str]:
    """Copy every table of the (in-memory) statistics database into a new database file."""
    cursor = stats.cursor()
    try:
        tables = [
            str(r[0])
            for r in cursor.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        ]
        cursor.execute(f"ATTACH '{_sql_path(target)}' AS persisted")
        try:
            for table in tables:
                cursor.execute(f"CREATE TABLE persisted.{table} AS SELECT * FROM {table}")
        finally:
            cursor.execute("DETACH persisted")
    finally:
        cursor.close()
    return tables


def _write_subset(
    database: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    catalog: Catalog,
    parent: str,
    target: Path,
) -> dict[str, Any]:
    """Write a frame made of rows of `parent` (same columns, default index) as the positions
    of those rows, found by their unique `id`."""
    whole = getattr(catalog, parent)
    ids, wanted = whole["id"].to_numpy(), frame["id"].to_numpy()
    if whole["id"].is_monotonic_increasing:  # as built: a binary search, not a hash table
        positions = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
        if len(ids) == 0 or not (ids[positions] == wanted).all():
            positions = np.full(len(wanted), -1)
    else:
        positions = pd.Index(ids).get_indexer(wanted)
    if list(frame.columns) != list(whole.columns) or (positions < 0).any():
        raise ValueError(f"the frame is not made of rows of {parent}")
    spec = _write_frame(database, pd.DataFrame({"position": positions}), target)
    return {**spec, "rows_of": parent}


def _write_frame(
    database: duckdb.DuckDBPyConnection, frame: pd.DataFrame, target: Path
) -> dict[str, Any]:
    """Write one frame; what is needed to rebuild it exactly: column types, geometry
    columns, and the index (a column unless it is the default 0..n-1)."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    geometry: list[str] = []
    for column in frame.columns:
        values = frame[column]
        if _is_geometry(values):
            geometry.append(str(column))
            out[column] = pd.Series(shapely.to_wkb(np.asarray(values, dtype=object)), dtype=object)
        elif isinstance(values.dtype, pd.StringDtype):
            out[column] = values.astype("category").array  # DuckDB copies categories once
        else:
            out[column] = values.to_numpy()
    default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.equals(
        pd.RangeIndex(len(frame))
    )
    if not default_index:
        out[INDEX_COLUMN] = frame.index.to_numpy()
    database.register("frame", out)
    try:
        database.execute(f"COPY frame TO '{_sql_path(target)}' (FORMAT parquet)")
    finally:
        database.unregister("frame")
    return {
        "columns": {str(c): str(frame[c].dtype) for c in frame.columns},
        "geometry": geometry,
        "active_geometry": getattr(frame, "_geometry_column_name", None)
        if isinstance(frame, gpd.GeoDataFrame)
        else None,
        "index": None if default_index else (frame.index.name or ""),
        "index_dtype": None if default_index else str(frame.index.dtype),
        "rows": len(frame),
    }


def _is_geometry(values: pd.Series) -> bool:
    if isinstance(values.dtype, gpd.array.GeometryDtype):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and bool(shapely.is_geometry(present.to_numpy()).all())


def _read(folder: Path, state: StoreState) -> Catalog:
    manifest = json.loads((folder / MANIFEST).read_text())
    if manifest.get("format") != FORMAT or manifest.get("key") != snapshot_key(state):
        raise ValueError(f"snapshot {folder} is of another format or store state")
    with open_stats(folder) as stats:
        found = stats.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    if sorted(str(r[0]) for r in found) != sorted(manifest["stats_tables"]):
        raise ValueError(f"snapshot {folder} lacks statistics tables")
    files = {name: _files(folder, name, manifest["frames"][name]) for name in FRAMES}
    database = duckdb.connect(":memory:")
    frames: dict[str, pd.DataFrame] = {}
    try:
        for name in FRAMES:
            spec = manifest["frames"][name]
            if name in LAZY:  # checked now (row counts in the footers), read in the background
                counted = database.execute(
                    f"SELECT count(*) FROM read_parquet({_sql_files(files[name])})"
                ).fetchone()
                if counted is None or counted[0] != spec["rows"]:
                    raise ValueError(f"{folder}: {name} holds {counted} rows, not {spec['rows']}")
            else:
                frames[name] = _read_frame(database, files[name], spec, False)
    finally:
        database.close()
    # Open now: another process may prune the folder before the background read is done.
    handles = [(os.open(path, os.O_RDONLY), path) for name in LAZY for path in files[name]]
    periods = {str(k): tuple(str(p) for p in v) for k, v in manifest["periods"].items()}
    return Catalog(
        version=int(manifest["version"]),
        backend=str(manifest["backend"]),
        built_at=datetime.fromisoformat(manifest["built_at"]),
        units=frames["units"],
        regions=frames["regions"],
        region_units=frames["region_units"],
        establishments=frames["establishments"],
        indicators=frames["indicators"],
        observation_frames=ObservationFrames(
            load=lambda: _read_observations(manifest["frames"], handles)
        ),
        datasets=frames["datasets"],
        periods=periods,
        persisted=folder,
    )


def _files(folder: Path, name: str, spec: dict[str, Any]) -> list[Path]:
    if name in PARTS:
        return [folder / _part_file(name, int(i)) for i, _ in spec["parts"]]
    return [folder / f"{name}.parquet"]


def _read_observations(
    specs: dict[str, Any], handles: list[tuple[int, Path]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The served and all observations, read from the files opened in `handles` (in LAZY
    order; through /proc/self/fd where there is one, so a file pruned meanwhile is read)."""
    by_fd = Path("/proc/self/fd").is_dir()
    paths = [Path(f"/proc/self/fd/{fd}") if by_fd else path for fd, path in handles]
    counts = [len(specs[name].get("parts", [None])) for name in LAZY]
    by_name = {"observations_all": paths[: counts[0]], "observations": paths[counts[0] :]}
    database = duckdb.connect(":memory:")
    try:
        every = _read_frame(database, by_name["observations_all"], specs["observations_all"], True)
        positions = _read_frame(database, by_name["observations"], specs["observations"], False)
    finally:
        database.close()
        for fd, _ in handles:
            os.close(fd)
    if not every["id"].is_monotonic_increasing:  # datasets whose ids interleave
        every = every.sort_values("id", kind="stable", ignore_index=True)
    served = every.take(positions["position"].to_numpy()).reset_index(drop=True)
    return served, every


def _read_frame(
    database: duckdb.DuckDBPyConnection,
    sources: list[Path],
    spec: dict[str, Any],
    shared_text: bool,
) -> pd.DataFrame:
    """Read one frame back. With `shared_text`, text columns come through DuckDB ENUMs as
    categories: one Python string per distinct value instead of one per cell (for the large
    frames; for the small ones the extra statements cost more than they save)."""
    path = _sql_files(sources)
    selects: list[str] = []
    enums: list[str] = []
    for name in (*spec["columns"], *([INDEX_COLUMN] if spec["index"] is not None else [])):
        quoted = '"' + name.replace('"', '""') + '"'
        if shared_text and spec["columns"].get(name) == "str":
            enum = f"text_{len(enums)}"
            enums.append(
                f"CREATE OR REPLACE TYPE {enum} AS ENUM (SELECT DISTINCT {quoted} "
                f"FROM read_parquet({path}) WHERE {quoted} IS NOT NULL)"
            )
            selects.append(f"{quoted}::{enum} AS {quoted}")
        else:
            selects.append(quoted)
    if enums:
        database.execute(";\n".join(enums))
    raw = database.execute(f"SELECT {', '.join(selects)} FROM read_parquet({path})").df()
    if len(raw) != spec["rows"]:
        raise ValueError(f"{sources[0]} holds {len(raw)} rows, expected {spec['rows']}")
    columns: dict[str, Any] = {}
    for name, dtype in spec["columns"].items():
        columns[name] = _restore(raw[name], dtype, name in spec["geometry"])
    index: pd.Index = pd.RangeIndex(len(raw))
    if spec["index"] is not None:
        index = pd.Index(
            _restore(raw[INDEX_COLUMN], spec["index_dtype"], False), name=spec["index"] or None
        )
    frame = pd.DataFrame(columns, index=index)
    if spec["active_geometry"] is not None:
        return gpd.GeoDataFrame(frame, geometry=spec["active_geometry"], crs=CRS)
    return frame


def _restore(values: pd.Series, dtype: str, is_geometry: bool) -> Any:
    """The column as an array (no index: the frame's own index is set afterwards)."""
    if is_geometry:
        wkb = [
            None if v is None else bytes(v) for v in values.to_numpy(dtype=object, na_value=None)
        ]
        geometries = shapely.from_wkb(np.array(wkb, dtype=object))
        if dtype == "geometry":
            return gpd.array.from_shapely(geometries, crs=CRS)
        return geometries
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories.to_numpy(dtype=object)
        codes = values.cat.codes.to_numpy()
        shared = np.where(codes >= 0, categories.take(codes, mode="clip"), None)
        return pd.array(shared, dtype=dtype)
    return values.astype(dtype).array


def _sql_files(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
