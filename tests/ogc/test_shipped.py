"""The shipped dataset through every protocol: same counts and figures as /api/v1."""

from __future__ import annotations

import httpx
import pyogrio
import pytest

from app.layers import default_layers
from tests.support.server import ServerProcess

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
    assert len(wfs) == len(oapif) == matched > 0
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
