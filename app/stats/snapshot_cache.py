"""Values derived from one catalog snapshot, computed once and dropped with the snapshot.

A catalog is immutable, so anything computed from it alone (the indicator registry, place
names, establishment groups, an index of the observations...) stays valid for its lifetime.
Entries are keyed by the catalog object itself (not only `catalog.version`: two stores may
share a version number in one process, e.g. in tests), and vanish when the catalog is
garbage-collected after a swap. Never store anything that depends on request parameters
beyond the `key`, nor whole responses (app/api/response_cache.py caches those).

Every key in use comes from a finite set the catalog or the code defines (a level, a layer,
an indicator of the catalog, a geometry band 3-8; see docs/reliability.md "One cache
policy"), so the values of a snapshot are bounded by construction: about 350 keys and 6 MB
with the shipped data once every indicator, level and band was asked. `MAX_KEYS` is the
safety net should a caller ever key by request text: beyond it a value is built and
returned but not kept, and a warning names the key.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from app.catalog.snapshot import Catalog

T = TypeVar("T")
MAX_KEYS = 4096  # per snapshot
log = logging.getLogger(__name__)

_lock = threading.RLock()  # re-entrant: a weakref callback may fire while it is held
_slots: dict[int, tuple[weakref.ref[Catalog], dict[Hashable, Any]]] = {}


def _forget(catalog_id: int, ref: weakref.ref[Catalog]) -> None:
    with _lock:
        entry = _slots.get(catalog_id)
        if entry is not None and entry[0] is ref:
            del _slots[catalog_id]


def _slot(catalog: Catalog) -> dict[Hashable, Any]:
    catalog_id = id(catalog)
    with _lock:
        entry = _slots.get(catalog_id)
        if entry is not None and entry[0]() is catalog:
            return entry[1]
        ref = weakref.ref(catalog, functools.partial(_forget, catalog_id))
        slot: dict[Hashable, Any] = {}
        _slots[catalog_id] = (ref, slot)
        return slot


def per_snapshot(catalog: Catalog, key: Hashable, build: Callable[[], T]) -> T:
    """`build()` once per catalog and `key`; later calls return the same object.

    Two threads asking for a missing entry at once may both build it; the first stored wins.
    Callers must treat the result as read-only.
    """
    slot = _slot(catalog)
    try:
        return slot[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    value = build()
    with _lock:
        if key not in slot and len(slot) >= MAX_KEYS:
            log.warning("per-snapshot values full (%d keys): %r is not kept", MAX_KEYS, key)
            return value
        return slot.setdefault(key, value)  # type: ignore[no-any-return]


def cached_snapshots() -> int:
    """How many catalogs currently hold derived values (for tests and diagnostics)."""
    with _lock:
        return len(_slots)
