"""What is measured: each scenario puts our endpoint beside its anchors, with the goals to meet.

A target is one server's way of asking the same thing. Fixed targets repeat one URL (cacheable);
rotating targets take fresh URLs from the session's QueryPool on every run (cache misses).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bench.anchors import mapserver, pygeoapi_stock, tipg_stock
from bench.ours import CHORO_LAYER, EP_COLLECTION, Endpoints
from bench.urls import (
    BBox,
    QueryPool,
    TileRuns,
    XyzTile,
    bbox_param,
    getfeature_query,
    getmap_query,
)

PathsFactory = Callable[[int], list[str]]


@dataclass(frozen=True)
class Target:
    server: str
    paths: PathsFactory  # run index -> paths (one path: fixed URL)
    content_type: str  # a substring the Content-Type must contain
    status: int = 200
    is_png8: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    is_rotating: bool = False
    note: str = ""


@dataclass(frozen=True)
class Goal:
    versus: str  # server or "ceiling"
    min_ratio: float


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    targets: tuple[Target, ...]
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True)
class Context:
    pool: QueryPool
    pool_size: int
    endpoints: Endpoints
    etag_departamento: str | None
    warm_tiles: tuple[BBox, ...]
    tile_runs: TileRuns | None = None


def fixed(path: str) -> PathsFactory:
    return lambda _run: [path]


def ceiling(key: str, content_type: str = "", status: int = 200) -> Target:
    """The bare endpoint serving the same bytes as our answer in scenario `key`."""
    return Target("ceiling", fixed(f"/c/{key}"), content_type, status=status)


def ours_items(query: str = "") -> str:
    return f"/ogc/collections/{EP_COLLECTION}/items?f=json&limit=100{query}"


CHORO = "/api/v1/choropleth?indicator=overpopulation_pct&level={level}"


def _bbox_paths(ctx: Context, make: Callable[[str], str], with_filter: bool) -> PathsFactory:
    def paths(_run: int) -> list[str]:
        boxes = ctx.pool.bboxes_4326(ctx.pool_size)
        offices = ctx.pool.oficinas(ctx.pool_size) if with_filter else [""] * ctx.pool_size
        return [
            make(f"&bbox={bbox_param(b)}" + (f"&oficina_regional={o}" if o else ""))
            for b, o in zip(boxes, offices, strict=True)
        ]

    return paths


def _tile_paths(ctx: Context, make: Callable[[BBox], str]) -> PathsFactory:
    return lambda _run: [make(b) for b in ctx.pool.tiles_3857(ctx.pool_size)]


MVT = "application/vnd.mapbox-vector-tile"
WARM_TILES = 32


def ours_tile(tile: XyzTile) -> str:
    z, x, y = tile
    return f"/ogc/collections/{CHORO_LAYER}/tiles/WebMercatorQuad/{z}/{y}/{x}"


def tile_scenarios(runs: TileRuns) -> list[Scenario]:
    """Vector tiles of the provincias: distinct addresses (ours vs tipg) and a warm set."""
    warm = runs.warm(WARM_TILES)
    return [
        Scenario(
            "tiles_rotating",
            "OGC API Tiles, provincias MVT, distinct WebMercatorQuad tiles z6-14 (cache misses)",
            (
                Target(
                    "ours",
                    lambda run: [ours_tile(t) for t in runs.tiles(run)],
                    MVT,
                    is_rotating=True,
                ),
                Target(
                    "tipg",
                    lambda run: [tipg_stock.tile_path(*t) for t in runs.tiles(run)],
                    MVT,
                    is_rotating=True,
                ),
            ),
            (Goal("tipg", 3.0),),
        ),
        Scenario(
            "tiles_warm",
            f"OGC API Tiles, provincias MVT, {len(warm)} tiles repeated (warm cache)",
            (
                ceiling("tiles_warm", MVT),
                Target("ours", lambda _r: [ours_tile(t) for t in warm], MVT),
                Target("tipg", lambda _r: [tipg_stock.tile_path(*t) for t in warm], MVT),
            ),
            (Goal("ceiling", 0.7),),
        ),
    ]


def build_scenarios(ctx: Context) -> list[Scenario]:
    ep = ctx.endpoints
    scenarios = [
        Scenario(
            "items_all",
            "OGC API items, all E.P. (GeoJSON, limit=100), repeated",
            (
                ceiling("items_all"),
                Target("ours", fixed(ours_items()), "json"),
                Target("pygeoapi", fixed(pygeoapi_stock.items_path()), "json"),
                Target("tipg", fixed(tipg_stock.items_path()), "json"),
            ),
            (Goal("ceiling", 0.7),),
        )
    ]
    for key, title, with_filter in (
        ("items_bbox", "OGC API items, rotating bbox (distinct every request)", False),
        ("items_bbox_filter", "OGC API items, rotating bbox + oficina_regional filter", True),
    ):
        scenarios.append(
            Scenario(
                key,
                title,
                (
                    Target(
                        "ours", _bbox_paths(ctx, ours_items, with_filter), "json", is_rotating=True
                    ),
                    Target(
                        "pygeoapi",
                        _bbox_paths(ctx, pygeoapi_stock.items_path, with_filter),
                        "json",
                        is_rotating=True,
                    ),
                    Target(
                        "tipg",
                        _bbox_paths(ctx, tipg_stock.items_path, with_filter),
                        "json",
                        is_rotating=True,
                    ),
                ),
                (Goal("pygeoapi", 10.0), Goal("tipg", 3.0)),
            )
        )
    ms_getmap = mapserver.getmap_path
    if ep.wms_png8 and ep.wms_layer:
        layer, fmt = ep.wms_layer, ep.wms_png8
        ours_getmap: Callable[[BBox], str] = lambda b: "/wms?" + getmap_query(layer, b, fmt)  # noqa: E731
        scenarios.append(
            Scenario(
                "wms_rotating",
                "WMS GetMap 256x256 8-bit PNG, provincias choropleth, distinct boxes (cache misses)",
                (
                    Target(
                        "ours",
                        _tile_paths(ctx, ours_getmap),
                        "image/png",
                        is_png8=True,
                        is_rotating=True,
                    ),
                    Target(
                        "mapserver",
                        _tile_paths(ctx, ms_getmap),
                        "image/png",
                        is_png8=True,
                        is_rotating=True,
                    ),
                ),
                (Goal("mapserver", 2.0),),
            )
        )
        warm = list(ctx.warm_tiles)
        scenarios.append(
            Scenario(
                "wms_warm",
                f"WMS GetMap 256x256 8-bit PNG, {len(warm)} tiles repeated (warm cache)",
                (
                    ceiling("wms_warm", "image/png"),
                    Target(
                        "ours", lambda _r: [ours_getmap(b) for b in warm], "image/png", is_png8=True
                    ),
                    Target(
                        "mapserver",
                        lambda _r: [ms_getmap(b) for b in warm],
                        "image/png",
                        is_png8=True,
                    ),
                ),
                (Goal("ceiling", 0.7), Goal("mapserver", 2.0)),
            )
        )
    else:
        scenarios.append(
            _missing(
                "wms_rotating",
                "WMS GetMap (our /wms is not available yet)",
                "mapserver",
                fixed(ms_getmap((-8700000, -1400000, -8500000, -1200000))),
            )
        )
    for key, ours_fmt, ms_fmt, ctype in (
        ("wfs_geojson", ep.wfs_geojson, mapserver.WFS_GEOJSON_FORMAT, "json"),
        ("wfs_gml32", ep.wfs_gml32, mapserver.WFS_GML32_FORMAT, "xml"),
    ):
        title = f"WFS 2.0 GetFeature, all E.P., {'GeoJSON' if 'json' in key else 'GML 3.2'}"
        ms_target = Target("mapserver", fixed(mapserver.getfeature_path(ms_fmt)), ctype)
        if ep.wfs_typename and ours_fmt:
            scenarios.append(
                Scenario(
                    key,
                    title,
                    (
                        ceiling(key, ctype),
                        Target(
                            "ours",
                            fixed("/wfs?" + getfeature_query(ep.wfs_typename, ours_fmt)),
                            ctype,
                        ),
                        ms_target,
                    ),
                    (Goal("mapserver", 3.0), Goal("ceiling", 0.7)),
                )
            )
        else:
            scenarios.append(
                Scenario(key, title + " (our /wfs is not available yet)", (ms_target,))
            )
    for level in ("departamento", "provincia"):
        scenarios.append(
            Scenario(
                f"choropleth_{level}",
                f"/api/v1/choropleth overpopulation_pct by {level}, repeated",
                (
                    ceiling(f"choropleth_{level}", "json"),
                    Target("ours", fixed(CHORO.format(level=level)), "json"),
                ),
                (Goal("ceiling", 0.7),),
            )
        )
    if ctx.etag_departamento:
        scenarios.append(
            Scenario(
                "choropleth_304",
                "/api/v1/choropleth revalidation (If-None-Match -> 304)",
                (
                    ceiling("choropleth_304", status=304),
                    Target(
                        "ours",
                        fixed(CHORO.format(level="departamento")),
                        "",
                        status=304,
                        headers={"If-None-Match": ctx.etag_departamento},
                    ),
                ),
                (Goal("ceiling", 0.7),),
            )
        )
    if ctx.tile_runs is not None:
        scenarios += tile_scenarios(ctx.tile_runs)
    return scenarios


def _missing(key: str, title: str, server: str, paths: PathsFactory) -> Scenario:
    return Scenario(key, title, (Target(server, paths, "image/png", is_png8=True),))
