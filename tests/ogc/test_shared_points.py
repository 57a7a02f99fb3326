"""Establishments that share a point (a district capital) stay identifiable through WMS:
GetFeatureInfo at that point lists every one of them (FEATURE_COUNT), as QGIS's identify
tool asks."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_getfeatureinfo_lists_every_establishment_at_a_shared_point(
    shipped_client: TestClient,
) -> None:
    features = shipped_client.get("/api/v1/establishments", params={"kind": "ep"}).json()
    groups: dict[tuple[float, float], set[str]] = {}
    for feature in features["features"]:
        if feature["geometry"]:
            lon, lat = feature["geometry"]["coordinates"]
            groups.setdefault((lon, lat), set()).add(feature["properties"]["code"])
    shared = {point: codes for point, codes in groups.items() if len(codes) > 1}
    assert shared
    for (lon, lat), codes in shared.items():
        response = shipped_client.get(
            "/wms",
            params={
                "SERVICE": "WMS",
                "VERSION": "1.3.0",
                "REQUEST": "GetFeatureInfo",
                "LAYERS": "establecimientos_penitenciarios",
                "QUERY_LAYERS": "establecimientos_penitenciarios",
                "STYLES": "",
                "CRS": "EPSG:4326",
                "BBOX": f"{lat - 0.05},{lon - 0.05},{lat + 0.05},{lon + 0.05}",
                "WIDTH": 101,
                "HEIGHT": 101,
                "I": 50,
                "J": 50,
                "INFO_FORMAT": "application/json",
                "FEATURE_COUNT": 20,
            },
        )
        assert response.status_code == 200, response.text[:300]
        found = {f["properties"]["code"] for f in response.json()["features"]}
        assert codes <= found, ((lon, lat), codes, found)
