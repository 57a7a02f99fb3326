"""A geometry column type that is a real PostGIS geometry on PostgreSQL and WKB on SQLite."""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator, TypeEngine

SRID = 4326


class GeometryType(TypeDecorator[shapely.Geometry]):
    """Shapely geometries in and out, whatever the backend.

    On PostgreSQL the column is ``geometry(<type>, 4326)`` so analysts can open the tables in
    QGIS; on SQLite it is a WKB blob and spatial filtering happens in the in-memory catalog.
    """

    impl = LargeBinary
    cache_ok = True
    # Read by geoalchemy2's DDL hooks: spatial indexes are created explicitly in migrations.
    spatial_index = False
    use_N_D_index = False

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # geoalchemy2's DDL hooks call this with dialect=None to sniff column types.
        if dialect is not None and dialect.name == "postgresql":
            return dialect.type_descriptor(
                Geometry(self.geometry_type, srid=SRID, spatial_index=False)
            )
        return LargeBinary() if dialect is None else dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: shapely.Geometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        wkb = shapely.to_wkb(value)
        if dialect.name == "postgresql":
            return WKBElement(wkb, srid=SRID)
        return wkb

    def process_result_value(self, value: Any, dialect: Dialect) -> shapely.Geometry | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            data = value.data
            return shapely.from_wkb(bytes(data) if not isinstance(data, str) else data)
        if isinstance(value, str):
            return shapely.from_wkb(bytes.fromhex(value))
        return shapely.from_wkb(bytes(value))
