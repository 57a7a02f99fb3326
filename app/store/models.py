"""Tables of the store. One schema for PostGIS and SQLite; Alembic owns its history."""

from __future__ import annotations

from datetime import datetime

import shapely
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.types import GeometryType

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DataVersion(Base):
    """One row; its version grows by one in every load transaction (replicas poll it)."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class StoreIdentity(Base):
    """One row: a random id given to the store when it is created, so that a server notices
    when the store it serves was replaced by another one (issue 13)."""

    __tablename__ = "store_identity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AdminUnit(Base):
    """A departamento, provincia or distrito, keyed by its INEI UBIGEO code."""

    __tablename__ = "admin_units"
    ubigeo: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    parent_ubigeo: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("admin_units.ubigeo"), nullable=True, index=True
    )
    geom: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("MULTIPOLYGON"))
    capital_name: Mapped[str | None] = mapped_column(String(120))
    capital: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("POINT"))
    area_km2: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")


class OficinaRegional(Base):
    """One of INPE's 8 oficinas regionales."""

    __tablename__ = "oficinas_regionales"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    seat: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    geom: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("MULTIPOLYGON"))
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")


class OficinaRegionalUnit(Base):
    """The departamentos or provincias an oficina regional covers."""

    __tablename__ = "oficina_regional_units"
    oficina_regional: Mapped[str] = mapped_column(
        String(20), ForeignKey("oficinas_regionales.code", ondelete="CASCADE"), primary_key=True
    )
    ubigeo: Mapped[str] = mapped_column(
        String(6), ForeignKey("admin_units.ubigeo"), primary_key=True
    )


class Establishment(Base):
    """An establecimiento penitenciario (kind 'ep') or de medio libre (kind 'eml')."""

    __tablename__ = "establishments"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    oficina_regional: Mapped[str] = mapped_column(
        String(20), ForeignKey("oficinas_regionales.code"), nullable=False, index=True
    )
    ubigeo: Mapped[str | None] = mapped_column(String(6), ForeignKey("admin_units.ubigeo"))
    geom: Mapped[shapely.Geometry | None] = mapped_column(GeometryType("POINT"))
    location_precision: Mapped[str] = mapped_column(String(24), nullable=False)
    location_source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    population_served: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")


class IndicatorRow(Base):
    """A declared indicator: stored (loaded figures) or derived (computed by the server)."""

    __tablename__ = "indicators"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_es: Mapped[str] = mapped_column(String(200), nullable=False)
    label_en: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(40), nullable=False)
    aggregation: Mapped[str] = mapped_column(String(16), nullable=False)
    numerator: Mapped[str | None] = mapped_column(String(60))
    denominator: Mapped[str | None] = mapped_column(String(60))
    is_sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    group: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Dataset(Base):
    """One loaded file: its provenance and integrity."""

    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(400), nullable=False)
    source_document: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_table: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    checksum_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    is_withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # False for a table that lists only some establishments: never summed into totals.
    is_complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class DatasetChange(Base):
    """What one data version did to one dataset: added, replaced or withdrew it."""

    __tablename__ = "dataset_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    data_version: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    dataset: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    row_count: Mapped[int | None] = mapped_column(Integer)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))


class Observation(Base):
    """One published figure: indicator x place x period x dimensions, from one dataset."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    indicator: Mapped[str] = mapped_column(
        String(60), ForeignKey("indicators.code"), nullable=False
    )
    place_type: Mapped[str] = mapped_column(String(20), nullable=False)
    place_code: Mapped[str] = mapped_column(String(40), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    dimensions: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_document: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_table: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_locator: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (
        UniqueConstraint(
            "dataset_id",
            "indicator",
            "place_type",
            "place_code",
            "period",
            "dimensions",
            name="uq_observations_key",
        ),
        Index("ix_observations_lookup", "indicator", "place_type", "period"),
    )
