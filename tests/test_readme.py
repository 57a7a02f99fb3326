"""Every GET example in the README answers 200 on the shipped data; the load template is valid."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.store.engine import make_engine
from app.store.ingest.datasets import read_vocabulary
from app.store.ingest.tidy import parse_rows

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def readme_get_urls() -> list[str]:
    urls = []
    for line in README.splitlines():
        line = line.strip()
        if not line.startswith("curl ") or " -X " in line or " -F " in line or " -H " in line:
            continue
        for word in shlex.split(line.replace("$BASE", "http://testserver")):
            if word.startswith("http://testserver"):
                parts = urlsplit(word)
                urls.append(parts.path + ("?" + parts.query if parts.query else ""))
    return urls


@pytest.fixture(scope="module")
def client(
    shipped_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=shipped_store_url, var_dir=tmp_path_factory.mktemp("readme-var")
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_readme_has_examples() -> None:
    assert len(readme_get_urls()) >= 20


@pytest.mark.parametrize("url", readme_get_urls())
def test_readme_example_answers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
    assert response.content


def test_load_template_and_example_are_valid(shipped_store_url: str) -> None:
    engine = make_engine(shipped_store_url)
    with engine.connect() as conn:
        vocabulary = read_vocabulary(conn)
    templates = PROJECT_ROOT / "docs" / "templates"
    header = (templates / "plantilla.csv").read_bytes()
    assert header.count(b",") >= 10
    example = (templates / "ejemplo_2025_01.csv").read_bytes()
    rows = parse_rows(example, "ejemplo.csv", vocabulary)
    assert rows and all(r.value is None and r.note for r in rows)
    engine.dispose()


def test_health_example(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
