"""Worker processes load only what their jobs need (issue 13: the memory of the server and its
workers). A map worker draws XML with Mapnik: the server's data libraries (pandas, numpy,
SQLAlchemy, pydantic...) would cost every worker tens of MB. Each worker also imports the
server's main module again (multiprocessing's forkserver does), so `app.cli` stays light."""

from __future__ import annotations

import subprocess
import sys

from app.render.mapnik_render import MapData, View, map_xml
from app.render.pool import WorkerPool
from app.settings import PROJECT_ROOT

SERVER_LIBRARIES = (
    "pandas",
    "geopandas",
    "numpy",
    "shapely",
    "pyproj",
    "duckdb",
    "sqlalchemy",
    "pydantic",
    "fastapi",
)
SQUARE = {"type": "Polygon", "coordinates": [[[-80, -10], [-70, -10], [-70, -5], [-80, -10]]]}
DATA = MapData(key=("square",), kind="polygon", geometries=(SQUARE,), colors=("#ff0000",))


def test_a_map_worker_has_mapnik_and_none_of_the_server_libraries() -> None:
    pool = WorkerPool("drawing maps", size=1, timeout_s=30, wait_s=30, map_cache_bytes=2**24)
    try:
        pool.render_map(
            DATA.key, lambda: map_xml([DATA], 4326), View((-81, -18, -68, 0), 64, 64), None
        )
        # eval is pickled by reference: asking adds no module to the worker.
        loaded = set(pool.call(eval, "[m.split('.')[0] for m in __import__('sys').modules]"))
    finally:
        pool.close()
    assert "mapnik" in loaded
    assert loaded.isdisjoint(SERVER_LIBRARIES)


def test_the_command_module_imports_no_server_library() -> None:
    code = "import sys, app.cli; print(' '.join(m.split('.')[0] for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert set(result.stdout.split()).isdisjoint(SERVER_LIBRARIES)
