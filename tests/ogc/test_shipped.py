"""The shipped dataset through every protocol: the source files' counts and extents, and the
same figures as /api/v1 (GDAL through pyogrio and ogrinfo, OWSLib's WFS and OGC API clients)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import httpx
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from owslib.wfs import WebFeatureService

from app.layers import default_layers
from scripts.source_layers import expected_layers
from tests.support.server import ServerProcess

SOURCE = expected_layers()

LEVELS = {layer.id: layer.level for layer in default_layers()}


@pytest.mark.parametrize("layer_id", default_layers().ids())
def test_every_layer_reads_the_same_through_wfs_oapif(
    shipped_server: ServerProcess, layer_id: str
) -> None:
    base = shipped_server.base_url
    wfs = pyogrio.read_dataframe(
        f"WFS:{base}/wfs?SERVICE=WFS&VERSION=2.0.0", layer=f"siep:{layer_id}"
    )
    oapif = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=layer_id)
    hits = httpx.get(
        f"{base}/wfs",
        params={
            "SERVICE": "WFS",
            "VERSION": "2.0.0",
            "REQUEST": "GetFeature",
            "TYPENAMES": f"siep:{layer_id}",
            "RESULTTYPE": "hits",
        },
    )
    matched = int(hits.text.split('numberMatched="')[1].split('"')[0])
    assert len(wfs) == len(oapif) == matched == SOURCE[layer_id].count
    for frame in (wfs, oapif):
        assert int(frame.geometry.notna().sum()) == SOURCE[layer_id].geometries
        bounds = frame.geometry.total_bounds
        assert max(abs(a - b) for a, b in zip(bounds, SOURCE[layer_id].extent, strict=True)) < 1e-4
    layer = default_layers().get(layer_id)
    assert layer is not None
    if layer.level == "establishment":
        return
    indicator = layer.default_indicator
    by_code = wfs.set_index("code")
    period = next((p for p in by_code[f"{indicator}_period"] if isinstance(p, str)), None)
    if period is None:
        return
    doc = httpx.get(
        f"{base}/api/v1/choropleth",
        params={"indicator": indicator, "level": layer.level, "period": period},
        timeout=60,
    ).json()
    api = {f["properties"]["code"]: f["properties"]["value"] for f in doc["features"]}
    assert api and set(api) <= set(by_code.index)  # the API may leave out places it cannot draw
    for code, value in api.items():
        ours = by_code.loc[code, indicator]
        if value is None:
            assert ours != ours or ours is None  # NaN
        else:
            assert ours == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize("layer_id", default_layers().ids())
def test_owslib_reads_every_layer_with_the_source_counts(
    shipped_server: ServerProcess, layer_id: str
) -> None:
    base = shipped_server.base_url
    expected = SOURCE[layer_id]
    collection = Features(f"{base}/ogc").collection(layer_id)
    assert [round(v, 4) for v in collection["extent"]["spatial"]["bbox"][0]] == [
        round(v, 4) for v in expected.extent
    ]
    items = Features(f"{base}/ogc").collection_items(layer_id, limit=2000)
    assert items["numberMatched"] == len(items["features"]) == expected.count
    wfs = WebFeatureService(f"{base}/wfs", version="2.0.0")
    assert f"siep:{layer_id}" in wfs.contents
    response = wfs.getfeature(
        typename=[f"siep:{layer_id}"], outputFormat="application/json", maxfeatures=5000
    )
    doc = json.loads(response.read())
    assert doc["numberMatched"] == len(doc["features"]) == expected.count


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_ogrinfo_counts_every_oapif_and_wfs_layer(shipped_server: ServerProcess) -> None:
    base = shipped_server.base_url
    for source, prefix in ((f"OAPIF:{base}/ogc", ""), (f"WFS:{base}/wfs?VERSION=2.0.0", "siep:")):
        for layer_id, expected in SOURCE.items():
            out = subprocess.run(
                ["ogrinfo", "-ro", "-so", source, f"{prefix}{layer_id}"],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout
            found = re.search(r"Feature Count: (\d+)", out)
            assert found and int(found.group(1)) == expected.count, (source, layer_id, out)
