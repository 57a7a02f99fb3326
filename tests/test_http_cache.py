"""app.http_cache: If-None-Match matching (RFC 9110 §13.1.2, weak comparison)."""

from __future__ import annotations

import pytest

from app.http_cache import etag_matches


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"v1"', '"v1"', True),
        ('W/"v1"', '"v1"', True),
        ('"v1"', 'W/"v1"', True),
        ('"v0", "v1"', '"v1"', True),
        ("*", '"v9"', True),
        ('"v2"', '"v1"', False),
        ("", '"v1"', False),
        (None, '"v1"', False),
        (b'"a" ,W/"v1"', b'"v1"', True),
        ('"v1', '"v1"', False),
    ],
)
def test_if_none_match(header: str | bytes | None, etag: str | bytes, expected: bool) -> None:
    assert etag_matches(header, etag) is expected
