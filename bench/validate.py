"""Check that a target answers what it claims before it is timed (MapServer, for one, reports
errors as HTTP 200 XML): status, Content-Type, and for PNG8 the PNG colour type."""

from __future__ import annotations

import httpx

from bench.scenarios import Target


def is_png8(body: bytes) -> bool:
    # IHDR: bit depth at byte 24, colour type at byte 25 (3 = palette)
    return body[:8] == b"\x89PNG\r\n\x1a\n" and len(body) > 25 and body[25] == 3 and body[24] <= 8


def check_target(base_url: str, target: Target, paths: list[str]) -> str | None:
    """None when every sampled path answers correctly, else what was wrong."""
    with httpx.Client(timeout=60) as client:
        for path in paths:
            try:
                response = client.get(base_url + path, headers=dict(target.headers))
            except httpx.HTTPError as exc:
                return f"{path}: {exc.__class__.__name__}"
            ctype = response.headers.get("content-type", "")
            if response.status_code != target.status:
                return f"HTTP {response.status_code} for {path}: {response.text[:200]}"
            if target.status == 200 and not response.content:
                return f"empty body for {path}"
            if target.content_type and target.content_type not in ctype:
                return f"Content-Type {ctype!r} for {path}: {response.text[:200]}"
            if target.is_png8 and not is_png8(response.content):
                return f"not an 8-bit palette PNG for {path}"
    return None
