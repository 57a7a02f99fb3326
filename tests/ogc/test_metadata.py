"""OGC metadata of the shipped dataset: publications (not text extracts) as the sources of each
layer, and the WMS GetMap layer limit advertised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from app.layers import default_layers
from app.main import create_app
from app.settings import Settings
from app.sources import documents

WMS = "{http://www.opengis.net/wms}"
WFS = "{http://www.opengis.net/wfs/2.0}"
LAYER_LIMIT = 7


@pytest.fixture(scope="module")
def client(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("metadata")
    settings = Settings(
        database_url=shipped_store_url, var_dir=folder / "var", wms_max_layers=LAYER_LIMIT
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _cites_a_publication(text: str) -> bool:
    return "seeds/" not in text and any(d.title in text for d in documents().values())


def test_every_collection_names_the_publications_of_its_figures(client: TestClient) -> None:
    response = client.get("/ogc/collections", params={"f": "json"})
    assert response.status_code == 200
    assert "seeds/" not in response.text
    collections = {c["id"]: c for c in response.json()["collections"]}
    assert set(collections) == set(default_layers().ids())
    for cid, collection in collections.items():
        assert "Fuentes:" in collection["description"], cid
        assert _cites_a_publication(collection["description"]), cid
        single = client.get(f"/ogc/collections/{cid}", params={"f": "json"}).json()
        assert single["description"] == collection["description"]


def test_wms_and_wfs_layers_name_their_publications(client: TestClient) -> None:
    wms = client.get("/wms", params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"})
    wfs = client.get("/wfs", params={"SERVICE": "WFS", "REQUEST": "GetCapabilities"})
    for response in (wms, wfs):
        assert response.status_code == 200 and "seeds/" not in response.text
    wms_root = etree.fromstring(wms.content)
    groups = wms_root.findall(f"{WMS}Capability/{WMS}Layer/{WMS}Layer")
    assert groups
    for group in groups:
        assert _cites_a_publication(group.findtext(f"{WMS}Abstract") or ""), group.findtext(
            f"{WMS}Title"
        )
    feature_types = etree.fromstring(wfs.content).iter(f"{WFS}FeatureType")
    abstracts = {
        ft.findtext(f"{WFS}Name"): ft.findtext(f"{WFS}Abstract") or "" for ft in feature_types
    }
    assert len(abstracts) == len(default_layers().ids())
    assert all(_cites_a_publication(a) for a in abstracts.values()), abstracts


def test_wms_capabilities_advertise_the_layer_limit(client: TestClient) -> None:
    response = client.get(
        "/wms", params={"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities"}
    )
    service = etree.fromstring(response.content).find(f"{WMS}Service")
    assert service is not None
    assert service.findtext(f"{WMS}LayerLimit") == str(LAYER_LIMIT)
    children = [etree.QName(e).localname for e in service]
    assert children.index("LayerLimit") == children.index("AccessConstraints") + 1  # schema order
    names = ",".join(["departamentos"] * (LAYER_LIMIT + 1))
    refused = client.get(
        "/wms",
        params={
            "SERVICE": "WMS",
            "VERSION": "1.3.0",
            "REQUEST": "GetMap",
            "LAYERS": names,
            "STYLES": "",
            "CRS": "CRS:84",
            "BBOX": "-82,-19,-68,0",
            "WIDTH": "64",
            "HEIGHT": "64",
            "FORMAT": "image/png",
        },
    )
    assert refused.status_code == 400 and f"at most {LAYER_LIMIT}" in refused.text
