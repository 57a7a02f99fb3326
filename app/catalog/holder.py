"""Holds the current Catalog and swaps in a new one when the store's data version changes."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.catalog.build import read_catalog
from app.catalog.persist import (
    STATS_DATABASE,
    claim,
    prune,
    read_snapshot,
    wait_for,
    write_snapshot,
)
from app.catalog.snapshot import Catalog
from app.catalog.update import persist_update, read_update
from app.errors import StoreUnavailableError
from app.stats.engine import stats_engine
from app.store.marker import replaced_store_message
from app.store.version import StoreState, read_store_state

log = logging.getLogger(__name__)


class CatalogHolder:
    """The one mutable thing: a reference to the current immutable Catalog.

    Readers take `holder.catalog` once per request; a refresh builds a new snapshot off to the
    side and replaces the reference in one assignment. Every check also verifies the store is
    the one this process started with (its identity, and for the embedded store the file
    itself): if the store is unreachable, missing, corrupt or replaced, the last snapshot keeps
    being served, `store_problem` says why, and writes are refused until it is fixed.

    With a `snapshot_root`, each snapshot is persisted there once built (app/catalog/persist.py)
    and a new version is first looked for there: a process that finds the current version
    persisted loads it instead of reading the whole store.
    """

    def __init__(
        self,
        engine: Engine,
        store_file: Path | None = None,
        expected_store_id: str | None = None,
        snapshot_root: Path | None = None,
    ) -> None:
        self.engine = engine
        self.store_file = store_file
        self.expected_store_id = expected_store_id
        self.snapshot_root = snapshot_root
        self._file_id: tuple[int, int] | None = None
        self._catalog: Catalog | None = None
        self._folder: Path | None = None  # where the current catalog is persisted
        self._lock = threading.Lock()
        self.store_problem: str | None = None
        self.last_check_s = 0.0

    @property
    def store_ok(self) -> bool:
        return self.store_problem is None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self.refresh()
        assert self._catalog is not None
        return self._catalog

    def refresh(self) -> bool:
        """Rebuild if the store's version differs from the snapshot's; True if swapped."""
        with self._lock:
            try:
                state = self._check_store()
            finally:
                self.last_check_s = time.monotonic()
            if state is None:
                if self._catalog is None:
                    raise StoreUnavailableError(self.store_problem or "store unavailable")
                return False
            if self._catalog is not None and self._catalog.version == state.version:
                return False
            self._swap(state)
            return True

    def _swap(self, state: StoreState) -> None:
        """Make the snapshot of `state` current, its statistics engine included: the persisted
        one if there is one; else, after plain loads, the current one updated with them (and
        persisted); else one read from the whole store (then persisted)."""
        root = self.snapshot_root
        if root is None:
            self._build(None)
            return
        if self._load_persisted(root, state):
            return
        with claim(root, state) as claimed:
            if not claimed:  # another replica is building it: wait, then load it
                log.info(
                    "catalog v%s: waiting for the snapshot another process builds", state.version
                )
                if wait_for(root, state) and self._load_persisted(root, state):
                    return
            if not self._update(root):
                self._build(root)

    def _build(self, root: Path | None) -> None:
        """Read the whole store, then persist the snapshot under `root`."""
        catalog, read_state = read_catalog(self.engine)
        database = stats_engine(catalog).database
        self._catalog = catalog
        self._folder = None
        log.info("catalog v%s read from the store", catalog.version)
        if root is not None:
            self._folder = write_snapshot(root, read_state, catalog, database)
            if self._folder is not None:
                prune(root, read_state)

    def _load_persisted(self, root: Path, state: StoreState) -> bool:
        catalog = read_snapshot(root, state)
        if catalog is None or catalog.persisted is None:
            return False
        stats_engine(catalog)  # now: the folder may be pruned by another process later
        self._catalog = catalog
        self._folder = catalog.persisted
        log.info("catalog v%s loaded from %s", catalog.version, catalog.persisted)
        prune(root, state)
        return True

    def _update(self, root: Path) -> bool:
        """Update the current snapshot with the loads since its version (app/catalog/update.py)
        and persist it; False when that cannot be done and the store must be read."""
        previous, folder = self._catalog, self._folder
        if previous is None or folder is None or not (folder / STATS_DATABASE).is_file():
            return False
        try:
            update = read_update(self.engine, previous)
        except RuntimeError:  # the previous snapshot's observations could not be loaded
            log.warning("catalog v%s cannot be updated; rebuilt", previous.version, exc_info=True)
            return False
        if update is None:
            return False
        written = persist_update(root, update, folder)
        if written is None:
            return False
        catalog = dataclasses.replace(update.catalog, persisted=written)
        stats_engine(catalog)
        self._catalog = catalog
        self._folder = written
        log.info("catalog v%s updated from v%s", catalog.version, previous.version)
        prune(root, update.state)
        return True

    def check_writable(self) -> None:
        """Refresh, then raise StoreUnavailableError (HTTP 503) unless the store is sound."""
        self.refresh()
        if self.store_problem is not None:
            raise StoreUnavailableError(f"writes refused: {self.store_problem}")

    def _check_store(self) -> StoreState | None:
        """The store's state, or None (and `store_problem` set) when it is not sound."""
        problem = self._file_problem()
        found = None
        if problem is None:
            try:
                state = read_store_state(self.engine)
            except SQLAlchemyError as exc:
                detail = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0][:200]
                problem = f"store unreadable ({exc.__class__.__name__}: {detail})"
            else:
                if self.expected_store_id is None:
                    self.expected_store_id = state.store_id
                if state.store_id != self.expected_store_id:
                    where = self.store_file or Path("the database")
                    problem = replaced_store_message(where, self.expected_store_id, state.store_id)
                else:
                    found = state
        if problem != self.store_problem:
            if problem is None:
                log.warning("store sound again")
            else:
                log.error(
                    "store problem, serving catalog v%s: %s",
                    getattr(self._catalog, "version", None),
                    problem,
                )
        self.store_problem = problem
        return found

    def _file_problem(self) -> str | None:
        """For the embedded store: the file must be the one first seen (same device, inode)."""
        if self.store_file is None:
            return None
        try:
            stat = os.stat(self.store_file)
        except OSError:
            return (
                f"the store file {self.store_file} is missing (store "
                f"{self.expected_store_id}): restore it from a backup"
            )
        file_id = (stat.st_dev, stat.st_ino)
        if self._file_id is None:
            self._file_id = file_id
        if file_id != self._file_id:
            return f"the store file {self.store_file} was replaced by another file"
        if not os.access(self.store_file, os.R_OK | os.W_OK):
            return f"the store file {self.store_file} is not readable and writable"
        return None

    async def poll(self, interval_s: float) -> None:
        """Check the store every `interval_s` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.refresh)
            except (SQLAlchemyError, StoreUnavailableError):
                log.warning(
                    "catalog refresh failed; keeping v%s", self._catalog and self._catalog.version
                )
