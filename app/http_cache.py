"""HTTP validators and freshness: one If-None-Match matcher and one Cache-Control value.

RFC 9110 §13.1.2: If-None-Match is `*` or a comma-separated list of entity tags, compared
weakly (a `W/` prefix is ignored on both sides). Every front that answers 304 should use
`etag_matches`; no HTTP framework is imported here.
"""

from __future__ import annotations

CACHE_CONTROL = "public, max-age=60"


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def etag_matches(if_none_match: str | bytes | None, etag: str | bytes) -> bool:
    """Whether an If-None-Match header value matches `etag` (weak comparison)."""
    if not if_none_match:
        return False
    header = if_none_match.decode("latin-1") if isinstance(if_none_match, bytes) else if_none_match
    current = _opaque(etag.decode("latin-1") if isinstance(etag, bytes) else etag)
    tags = {_opaque(tag) for tag in header.split(",")}
    return "*" in tags or current in tags
