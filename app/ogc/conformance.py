"""The conformance classes /ogc declares: only what this server does (no CRUD: it is read-only).

pygeoapi 0.21 declares Part 4 (create/replace/delete) for every feature provider and leaves
out filtering and sorting; this list replaces its answer. tests/ogc/test_ogcapi_features.py
checks each declared class against the server.
"""

from __future__ import annotations

from typing import Any

COMMON = "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf"
FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
TMS = "http://www.opengis.net/spec/tms/2.0/conf"
CONFORMS_TO = (
    f"{COMMON}/core",
    f"{COMMON}/landing-page",
    f"{COMMON}/json",
    f"{COMMON}/html",
    f"{COMMON}/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    f"{FEATURES}/core",
    f"{FEATURES}/oas30",
    f"{FEATURES}/html",
    f"{FEATURES}/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    f"{CQL2}/cql2-text",
    f"{CQL2}/cql2-json",
    f"{CQL2}/basic-cql2",
    f"{CQL2}/advanced-comparison-operators",
    f"{CQL2}/basic-spatial-functions",
    f"{CQL2}/basic-spatial-functions-plus",
    f"{CQL2}/spatial-functions",
    # `sortby` as OGC API Records defines it (the draft Features Part 8 uses the same syntax).
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/core",
    # OGC API Tiles (app.tiles): tilesets of each collection (no dataset-wide /tiles), MVT and
    # PNG. WebMercatorQuad and WorldCRS84Quad are the tile matrix sets listed at /tileMatrixSets
    # (TMS 2.0 defines them; no conformance class names them).
    f"{TILES}/core",
    f"{TILES}/tileset",
    f"{TILES}/tilesets-list",
    f"{TILES}/geodata-tilesets",
    f"{TILES}/mvt",
    f"{TILES}/png",
    f"{TMS}/tilematrixset",
    f"{TMS}/json-tilematrixset",
    f"{TMS}/tilesetmetadata",
    f"{TMS}/json-tilesetmetadata",
    f"{TMS}/tilematrixsetlimits",
    f"{TMS}/json-tilematrixsetlimits",
)


def conformance_document() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMS_TO)}
