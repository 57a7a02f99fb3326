"""Open data: Frictionless Data Packages (validated with `frictionless`), the DCAT catalogue
and datasets as tidy CSV."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from frictionless import validate
from lxml import etree
from sqlalchemy import Engine

from app.opendata import read_changes
from app.store.ingest.datasets import DatasetMeta, load_dataset, withdraw_dataset
from app.store.version import read_version
from tests.conftest import FIXTURE_DATA


@pytest.fixture(scope="module")
def client(shipped_client: TestClient) -> TestClient:
    return shipped_client


PACKAGED = [
    "/api/v1/choropleth?indicator=tb_rate&level=oficina_regional&period=2024",
    "/api/v1/choropleth?indicator=population&level=distrito&period=2024-12",
    "/api/v1/series?indicator=population&place=PE",
    "/api/v1/indicators?lang=en",
    "/api/v1/establishments/EP-LURIGANCHO",
    "/api/v1/policy-indicators",
]


@pytest.mark.parametrize("url", PACKAGED)
def test_downloads_come_as_valid_data_packages(
    client: TestClient, url: str, tmp_path: Path
) -> None:
    response = client.get(url + "&f=datapackage" if "?" in url else url + "?f=datapackage")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('.datapackage.zip"')
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = pd.read_json(tmp_path / "datapackage.json", typ="series")
    assert descriptor["licenses"] and descriptor["sources"]
    assert "seeds/" not in (tmp_path / "datapackage.json").read_text("utf-8")


def test_dcat_catalogue_lists_every_served_dataset(client: TestClient) -> None:
    response = client.get("/api/v1/opendata/catalog.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    body = response.json()
    assert body["@type"] == "dcat:Catalog"
    datasets = body["dcat:dataset"]
    names = {d["dct:identifier"] for d in datasets}
    assert {"population_ep_2024_12", "census_population_departamento"} <= names
    for dataset in datasets:
        assert dataset["dct:publisher"]["foaf:name"] and dataset["dct:source"]["dct:title"]
        assert "seeds/" not in str(dataset)
        assert dataset["dcat:distribution"][0]["dcat:downloadURL"].endswith(".csv")


def test_dataset_csv_is_the_tidy_load_format(client: TestClient) -> None:
    response = client.get("/api/v1/opendata/datasets/census_population_departamento.csv")
    assert response.status_code == 200
    table = pd.read_csv(io.StringIO(response.text), dtype=str)
    assert len(table) == 51
    lima = table[(table["place_code"] == "15") & (table["period"] == "2017")]
    assert lima["value"].astype(float).tolist() == [9_485_405]
    assert client.get("/api/v1/opendata/datasets/nope.csv").status_code == 404


def test_changes_feed_lists_what_each_version_did(seeded_engine: Engine) -> None:
    seeded = read_version(seeded_engine)
    first = read_changes(seeded_engine, 0)
    assert {c["action"] for c in first} == {"added"}
    assert {c["data_version"] for c in first} == {seeded}
    data = (FIXTURE_DATA / "observations" / "population.csv").read_bytes()
    meta = DatasetMeta(name="population", title="Test population, corrected")
    replaced = load_dataset(seeded_engine, data, "population.csv", meta, replace=True)
    withdrawn = withdraw_dataset(seeded_engine, "population")
    later = read_changes(seeded_engine, seeded)
    assert [(c["data_version"], c["action"], c["dataset"]) for c in later] == [
        (replaced.data_version, "replaced", "population"),
        (withdrawn, "withdrawn", "population"),
    ]
    assert later[0]["row_count"] == replaced.row_count
    assert later[0]["checksum_sha256"] == replaced.checksum_sha256
    assert read_changes(seeded_engine, withdrawn) == []


def test_changes_endpoints(client: TestClient) -> None:
    body = client.get("/api/v1/changes", params={"since": 0}).json()
    assert body["changes"] and body["data_version"] >= body["changes"][-1]["data_version"]
    assert {c["dataset"] for c in body["changes"]} >= {"population_ep_2024_12"}
    latest = client.get("/api/v1/changes", params={"since": body["data_version"]}).json()
    assert latest["changes"] == []
    assert client.get("/api/v1/changes", params={"since": -1}).status_code == 422
    atom = client.get("/api/v1/changes.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(atom.content)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(body["changes"])


def test_dataset_csv_withholds_small_sensitive_counts(client: TestClient) -> None:
    """TB counts of 1-4 per establishment are printed in the source, but the server publishes
    them as a range everywhere, this CSV included (the API shows the same rows as '1-4')."""
    response = client.get("/api/v1/opendata/datasets/tb_cases_2024.csv")
    assert response.status_code == 200
    table = pd.read_csv(io.StringIO(response.text), dtype={"note": str})
    establishments = table[table["place_type"] == "establishment"]
    withheld = establishments[establishments["note"] == "1-4"]
    assert len(withheld) > 0 and withheld["value"].isna().all()
    assert not establishments["value"].between(1, 4).any()
    assert (establishments["value"] >= 5).any()  # larger counts are published
