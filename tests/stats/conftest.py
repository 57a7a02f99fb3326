"""The shipped data as one catalog, for the stats tests that check published totals."""

from __future__ import annotations

import pytest

from app.catalog.build import build_catalog
from app.catalog.snapshot import Catalog
from app.store.engine import make_engine


@pytest.fixture(scope="session")
def shipped_catalog(shipped_store_url: str) -> Catalog:
    engine = make_engine(shipped_store_url)
    try:
        return build_catalog(engine)
    finally:
        engine.dispose()
