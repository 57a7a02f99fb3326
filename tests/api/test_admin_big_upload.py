"""The admin upload of a big file (issue 11): above the old 20 MB cap, spooled to disk, with
its own bound (SIEP_UPLOAD_MAX_BYTES) granted only to a request bearing the admin token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import fixture_sqlite_store

TOKEN = "big-upload-" + "t" * 20
OLD_CAP = 20 * 1024 * 1024


def fat_csv(size: int) -> bytes:
    """A valid tidy CSV of at least `size` bytes: long (1,900-character) locators per row."""
    header = b"indicator,place_type,place_code,period,value,programme,source_locator\n"
    rows = []
    total = len(header)
    number = 0
    while total < size:
        year, month = divmod(number // 2, 12)
        place = ("EP-CALLAO", "EP-LURIGANCHO")[number % 2]
        row = (
            f"population,establishment,{place},{1000 + year}-{month + 1:02d},{number % 97},"
            f"p1,{'x' * 1_900}\n"
        ).encode()
        rows.append(row)
        total += len(row)
        number += 1
    return header + b"".join(rows)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = fixture_sqlite_store(tmp_path_factory.mktemp("upload"))
    settings = Settings(
        database_url=url,
        var_dir=tmp_path_factory.mktemp("uploadvar"),
        seed_on_start=False,
        admin_token=TOKEN,
        max_body_bytes=1024 * 1024,
        upload_max_bytes=64 * 1024 * 1024,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def post(client: TestClient, content: bytes, token: str | None, name: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/v1/admin/datasets",
        files={"file": (f"{name}.csv", content, "text/csv")},
        data={"title": "Backfill (generated test rows)", "name": name},
        headers=headers,
    )


def test_upload_above_the_old_cap_is_loaded(client: TestClient) -> None:
    content = fat_csv(OLD_CAP + 1024 * 1024)
    response = post(client, content, TOKEN, "backfill")
    assert response.status_code == 201, response.text[:500]
    assert response.json()["row_count"] == content.count(b"\n") - 1


def test_upload_bound_is_its_own_setting(client: TestClient) -> None:
    response = post(client, fat_csv(65 * 1024 * 1024), TOKEN, "too-big")
    assert response.status_code == 413
    assert f"larger than {64 * 1024 * 1024}" in response.json()["detail"]


@pytest.mark.parametrize("token", [None, "wrong-token-" + "x" * 20])
def test_without_the_token_the_body_bound_stays_small(
    client: TestClient, token: str | None
) -> None:
    """The body is spooled before the route checks the token: without a valid one, a client
    must not be able to send more than max_body_bytes."""
    response = post(client, fat_csv(2 * 1024 * 1024), token, "anonymous")
    assert response.status_code == 413
    assert f"larger than {1024 * 1024}" in response.json()["detail"]


def test_small_body_without_token_still_gets_401(client: TestClient) -> None:
    assert post(client, fat_csv(10_000), None, "small").status_code == 401


def test_bad_row_at_the_end_of_a_big_upload_is_named(client: TestClient) -> None:
    head, _, tail = fat_csv(OLD_CAP + 1024).rpartition(b",p1,")
    content = head + b",P 1," + tail
    response = post(client, content, TOKEN, "bad-backfill")
    assert response.status_code == 422
    last = content.count(b"\n")
    assert f"row {last}, column 'programme'" in response.json()["detail"]
