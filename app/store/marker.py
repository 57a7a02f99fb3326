"""The embedded store's marker file: proof, beside var/siep.sqlite, that this store was created
(and seeded) here, with its identity.

Without it a server that found the SQLite file gone (deleted, moved, a volume not mounted)
created an empty one and re-seeded it, silently dropping every acknowledged load (issue 13).
With it, a missing, unreadable or replaced store is an error that names what to do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.errors import StoreUnavailableError


@dataclass(frozen=True)
class StoreMarker:
    store_id: str
    created_at: str


def sqlite_path(url: str) -> Path | None:
    """The file of an embedded (SQLite) store, or None for PostGIS and in-memory stores."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def marker_path(store: Path) -> Path:
    return store.with_name(store.name + ".marker.json")


def read_marker(store: Path) -> StoreMarker | None:
    path = marker_path(store)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        return StoreMarker(str(data["store_id"]), str(data["created_at"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreUnavailableError(
            f"the marker {path} is unreadable ({exc.__class__.__name__}); restore it or, if "
            f"{store} is the right store, delete the marker to adopt it"
        ) from None


def write_marker(store: Path, store_id: str) -> StoreMarker:
    """Record (atomically, durably) that `store` with identity `store_id` lives here."""
    marker = StoreMarker(store_id, datetime.now(UTC).isoformat(timespec="seconds"))
    path = marker_path(store)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w") as handle:
        json.dump(marker.__dict__, handle)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return marker


def missing_store_message(store: Path, marker: StoreMarker) -> str:
    return (
        f"the store {store} is missing, but {marker_path(store).name} says store "
        f"{marker.store_id} was created there on {marker.created_at}: restore the file from a "
        "backup (or point SIEP_DATABASE_URL at it); to start over with an empty store, delete "
        "the marker"
    )


def replaced_store_message(store: Path, marker_id: str, found_id: str) -> str:
    return (
        f"the store {store} was replaced: its identity is {found_id}, expected {marker_id}; "
        "restore the right file, or delete the marker to adopt this one"
    )
