"""Initial schema: units, oficinas regionales, establishments, indicators, datasets, observations.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import GeometryType

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CURRENT_VIEW = """
CREATE VIEW v_observations_current AS
SELECT DISTINCT ON (o.indicator, o.place_type, o.place_code, o.period, o.dimensions)
  o.id, o.indicator, o.place_type, o.place_code, o.period, o.dimensions, o.value, o.note,
  o.source_document, o.source_table, o.source_locator, o.dataset_id, d.title AS dataset_title
FROM observations o JOIN datasets d ON d.id = o.dataset_id
WHERE NOT d.is_withdrawn
ORDER BY o.indicator, o.place_type, o.place_code, o.period, o.dimensions, d.id DESC
"""

LATEST_VIEW = """
CREATE VIEW v_establishments_latest AS
SELECT e.code, e.name, e.kind, e.oficina_regional, e.ubigeo, e.location_precision,
  p.period AS population_period, p.value AS population,
  c.period AS capacity_period, c.value AS capacity, e.geom
FROM establishments e
LEFT JOIN LATERAL (
  SELECT period, value FROM v_observations_current o
  WHERE o.indicator = 'population' AND o.place_type = 'establishment'
    AND o.place_code = e.code AND o.dimensions = '' AND o.value IS NOT NULL
  ORDER BY length(period) = 7 DESC, period DESC LIMIT 1) p ON true
LEFT JOIN LATERAL (
  SELECT period, value FROM v_observations_current o
  WHERE o.indicator = 'capacity' AND o.place_type = 'establishment'
    AND o.place_code = e.code AND o.dimensions = '' AND o.value IS NOT NULL
  ORDER BY length(period) = 7 DESC, period DESC LIMIT 1) c ON true
"""


def upgrade() -> None:
    is_pg = op.get_bind().dialect.name == "postgresql"
    if is_pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO data_version (id, version, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
    )

    op.create_table(
        "admin_units",
        sa.Column("ubigeo", sa.String(6), primary_key=True),
        sa.Column("level", sa.String(16), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("parent_ubigeo", sa.String(6), sa.ForeignKey("admin_units.ubigeo"), index=True),
        sa.Column("geom", GeometryType("MULTIPOLYGON")),
        sa.Column("capital_name", sa.String(120)),
        sa.Column("capital", GeometryType("POINT")),
        sa.Column("area_km2", sa.Float),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "oficinas_regionales",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("seat", sa.String(120), nullable=False),
        sa.Column("geom", GeometryType("MULTIPOLYGON")),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "oficina_regional_units",
        sa.Column(
            "oficina_regional",
            sa.String(20),
            sa.ForeignKey("oficinas_regionales.code", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("ubigeo", sa.String(6), sa.ForeignKey("admin_units.ubigeo"), primary_key=True),
    )
    op.create_table(
        "establishments",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False, index=True),
        sa.Column(
            "oficina_regional",
            sa.String(20),
            sa.ForeignKey("oficinas_regionales.code"),
            nullable=False,
            index=True,
        ),
        sa.Column("ubigeo", sa.String(6), sa.ForeignKey("admin_units.ubigeo")),
        sa.Column("geom", GeometryType("POINT")),
        sa.Column("location_precision", sa.String(24), nullable=False),
        sa.Column("location_source", sa.Text, nullable=False),
        sa.Column("population_served", sa.String(16)),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "indicators",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("label_es", sa.String(200), nullable=False),
        sa.Column("label_en", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("aggregation", sa.String(16), nullable=False),
        sa.Column("numerator", sa.String(60)),
        sa.Column("denominator", sa.String(60)),
        sa.Column("is_sensitive", sa.Boolean, nullable=False),
        sa.Column("group", sa.String(40), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("source_document", sa.Text, nullable=False),
        sa.Column("source_table", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(120), nullable=False),
        sa.Column("checksum_sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("is_withdrawn", sa.Boolean, nullable=False),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "dataset_id",
            sa.Integer,
            sa.ForeignKey("datasets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("indicator", sa.String(60), sa.ForeignKey("indicators.code"), nullable=False),
        sa.Column("place_type", sa.String(20), nullable=False),
        sa.Column("place_code", sa.String(40), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("dimensions", sa.String(400), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("source_document", sa.Text, nullable=False),
        sa.Column("source_table", sa.Text, nullable=False),
        sa.Column("source_locator", sa.Text, nullable=False),
        sa.UniqueConstraint(
            "dataset_id",
            "indicator",
            "place_type",
            "place_code",
            "period",
            "dimensions",
            name="uq_observations_key",
        ),
    )
    op.create_index("ix_observations_lookup", "observations", ["indicator", "place_type", "period"])
    if is_pg:
        for table, column in [
            ("admin_units", "geom"),
            ("admin_units", "capital"),
            ("oficinas_regionales", "geom"),
            ("establishments", "geom"),
        ]:
            op.create_index(f"ix_{table}_{column}_gist", table, [column], postgresql_using="gist")
        op.execute(CURRENT_VIEW)
        op.execute(LATEST_VIEW)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW IF EXISTS v_establishments_latest")
        op.execute("DROP VIEW IF EXISTS v_observations_current")
    for table in [
        "observations",
        "datasets",
        "indicators",
        "establishments",
        "oficina_regional_units",
        "oficinas_regionales",
        "admin_units",
        "data_version",
    ]:
        op.drop_table(table)
