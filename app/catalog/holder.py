"""Holds the current Catalog and swaps in a new one when the store's data version changes."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.store.version import read_version

log = logging.getLogger(__name__)


class CatalogHolder:
    """The one mutable thing: a reference to the current immutable Catalog.

    Readers take `holder.catalog` once per request; a refresh builds a new snapshot off to the
    side and replaces the reference in one assignment. If the store is unreachable, the last
    snapshot keeps being served and `store_ok` turns False until the store answers again.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()
        self.store_ok = True
        self.last_check_s = 0.0

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
                version = read_version(self.engine)
                self.store_ok = True
            except SQLAlchemyError as exc:
                if self.store_ok:
                    log.warning(
                        "store unreachable, serving catalog v%s: %s",
                        getattr(self._catalog, "version", None),
                        exc.__class__.__name__,
                    )
                self.store_ok = False
                if self._catalog is None:
                    raise
                return False
            finally:
                self.last_check_s = time.monotonic()
            if self._catalog is not None and self._catalog.version == version:
                return False
            self._catalog = build_catalog(self.engine)
            log.info("catalog v%s loaded", self._catalog.version)
            return True

    async def poll(self, interval_s: float) -> None:
        """Check the version every `interval_s` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.refresh)
            except SQLAlchemyError:
                log.warning(
                    "catalog refresh failed; keeping v%s", self._catalog and self._catalog.version
                )
