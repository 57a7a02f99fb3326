"""Regression tests for the server errors the fuzzers found (each was an HTTP 500 or a
schema violation before its fix; see docs/reliability.md, "Bugs found")."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tests.fuzz.conftest import TOKEN

ITEMS = "/ogc/collections/departamentos/items"


@pytest.mark.parametrize(
    "query",
    ["place=%E2%82%AC%F0%9F%98%80", 'place=a"b', "indicator=%0D%0ASet-Cookie:x", "place=%C3%B1"],
)
def test_download_filename_from_request_text_is_safe(client: TestClient, query: str) -> None:
    """Non-Latin-1 text in a parameter used to reach Content-Disposition raw (HTTP 500)."""
    response = client.get(f"/api/v1/observations?{query}&f=csv")
    assert response.status_code < 500
    disposition = response.headers.get("content-disposition", "")
    assert disposition.isascii() and "\r" not in disposition and disposition.count('"') in (0, 2)


def test_observations_offset_beyond_64_bits_is_400(client: TestClient) -> None:
    """The JSON encoder failed on an offset that does not fit 64 bits (HTTP 500)."""
    response = client.get("/api/v1/observations?offset=" + "9" * 25)
    assert response.status_code == 400
    assert "offset" in response.json()["detail"]


def test_dataset_history_times_carry_an_offset(client: TestClient) -> None:
    """loaded_at came back naive from SQLite: not the RFC 3339 date-time the schema says."""
    response = client.get("/api/v1/admin/datasets", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    for row in response.json():
        assert datetime.fromisoformat(row["loaded_at"]).tzinfo is not None


@pytest.mark.parametrize(
    "crs", ["35833576933", "EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/1"]
)
def test_map_with_unknown_bbox_crs_is_400(client: TestClient, crs: str) -> None:
    """pygeoapi let pyproj's CRSError escape (HTTP 500)."""
    response = client.get("/ogc/collections/departamentos/map", params={"bbox-crs": crs})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"
    assert "bbox-crs" in response.json()["description"]


@pytest.mark.parametrize("sortby", ["", "name,,code", " "])
def test_items_with_empty_sortby_term_is_400(client: TestClient, sortby: str) -> None:
    """pygeoapi indexed the first character of each term (IndexError, HTTP 500)."""
    response = client.get(ITEMS, params={"sortby": sortby, "filter": "population>0"})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


def test_items_with_3d_bbox_uses_its_horizontal_extent(client: TestClient) -> None:
    """A 6-number bbox (OGC API Features 1.0 §7.15.3) failed to unpack (HTTP 500)."""
    flat = client.get(ITEMS, params={"bbox": "-80,-14,-75,-10", "filter": "population>=0"})
    deep = client.get(ITEMS, params={"bbox": "-80,-14,0,-75,-10,100", "filter": "population>=0"})
    assert deep.status_code == 200, deep.text
    assert deep.json()["numberMatched"] == flat.json()["numberMatched"]
