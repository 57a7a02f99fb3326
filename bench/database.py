"""The benchmark's throwaway PostGIS: seeded with the shipped dataset, plus anchor tables.

The anchors (pygeoapi, tipg, MapServer) read plain indexed tables copied from the store's own
views once at setup, so that no anchor pays for the view's LATERAL joins on every request: the
comparison is as favourable to them as the data allows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import create_engine, text

from app.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # tests/support is not an installed package

from tests.support.pgcluster import Cluster, start_cluster  # noqa: E402

DB_NAME = "siep_bench"
EP_TABLE = "bench_establecimientos_penitenciarios"
PROVINCIAS_TABLE = "bench_provincias"


@dataclass
class BenchDatabase:
    cluster: Cluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    @property
    def port(self) -> int:
        return self.cluster.port

    def libpq(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={self.name} user=postgres"

    def stop(self) -> None:
        self.cluster.destroy()


def start_database(data_dir: Path) -> BenchDatabase:
    """Start PostGIS, migrate, seed `data_dir` and create the anchors' tables."""
    from app.stats.indicators import CORE_REGISTRY, indicator_rows
    from app.store.ingest.seed import seed
    from app.store.migrate import upgrade

    cluster = start_cluster()
    try:
        cluster.create_database(DB_NAME, template="siep_template")
        db = BenchDatabase(cluster, DB_NAME)
        engine = create_engine(db.url)
        try:
            upgrade(engine)
            seed(engine, data_dir, indicator_rows(CORE_REGISTRY))
        finally:
            engine.dispose()
        create_anchor_tables(db)
    except BaseException:
        cluster.destroy()
        raise
    return db


def create_anchor_tables(db: BenchDatabase, colors: dict[str, str] | None = None) -> None:
    """E.P. with their latest figures, and provincias with a fill colour per feature."""
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {EP_TABLE}"))
        conn.execute(
            text(
                f"CREATE TABLE {EP_TABLE} AS SELECT code, name, kind, oficina_regional, ubigeo,"
                " location_precision, population_period, population, capacity_period, capacity,"
                " population - capacity AS overpopulation,"
                " round((100.0 * (population - capacity) / NULLIF(capacity, 0))::numeric, 1)"
                "::float AS overpopulation_pct,"
                " geom::geometry(Point, 4326) AS geom"
                " FROM v_establishments_latest WHERE kind = 'ep' ORDER BY code"
            )
        )
        conn.execute(text(f"ALTER TABLE {EP_TABLE} ADD PRIMARY KEY (code)"))
        conn.execute(text(f"CREATE INDEX ON {EP_TABLE} USING gist (geom)"))
        conn.execute(text(f"DROP TABLE IF EXISTS {PROVINCIAS_TABLE}"))
        conn.execute(
            text(
                f"CREATE TABLE {PROVINCIAS_TABLE} AS SELECT ubigeo, name,"
                " '#cccccc'::text AS color, geom::geometry(MultiPolygon, 4326) AS geom"
                " FROM admin_units WHERE level = 'provincia' ORDER BY ubigeo"
            )
        )
        conn.execute(text(f"ALTER TABLE {PROVINCIAS_TABLE} ADD PRIMARY KEY (ubigeo)"))
        conn.execute(text(f"CREATE INDEX ON {PROVINCIAS_TABLE} USING gist (geom)"))
        conn.execute(text(f"ANALYZE {EP_TABLE}"))
        conn.execute(text(f"ANALYZE {PROVINCIAS_TABLE}"))
    if colors:
        set_province_colors(db, colors)
    engine.dispose()


def set_province_colors(db: BenchDatabase, colors: dict[str, str]) -> None:
    """Fill colours of the choropleth ('#rrggbb' by ubigeo), as our own map draws them."""
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {PROVINCIAS_TABLE} SET color = :color WHERE ubigeo = :code"),
            [{"code": code, "color": color} for code, color in colors.items()],
        )
    engine.dispose()


def count_rows(db: BenchDatabase, table: str) -> int:
    engine = create_engine(db.url)
    with engine.connect() as conn:
        count = int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    engine.dispose()
    return count


def land_4326(db: BenchDatabase) -> BaseGeometry:
    """Peru's land (the union of the provincias), prepared for point-in-polygon tests."""
    engine = create_engine(db.url)
    with engine.connect() as conn:
        wkb = conn.scalar(text(f"SELECT ST_AsBinary(ST_Union(geom)) FROM {PROVINCIAS_TABLE}"))
    engine.dispose()
    land = shapely.from_wkb(bytes(wkb))
    shapely.prepare(land)
    return land
