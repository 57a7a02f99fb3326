"""The service's base URL as the client sees it: SIEP_PUBLIC_URL when set, else the request's.

Without SIEP_PUBLIC_URL every link (OGC API, WMS/WFS capabilities, feature `series_url`) is
built from the request: its scheme, `Host` and the app's root path, and, when the peer is a
trusted proxy (settings.forwarded_allow_ips, as uvicorn's --forwarded-allow-ips),
`X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Prefix`. No global state: the answer
is a function of the settings and the request scope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import Scope

from app.settings import Settings

FORWARDED_HEADERS = (b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-prefix")
# A host name, IPv4 or bracketed IPv6 literal and an optional port; anything else is ignored.
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def _first(value: str) -> str:
    """The first entry of a header a chain of proxies may have extended (`a, b`)."""
    return value.split(",", 1)[0].strip()


def _valid_host(value: str) -> str | None:
    return value if _HOST.fullmatch(value) else None


def is_trusted_proxy(scope: Scope, trusted: Sequence[str]) -> bool:
    if "*" in trusted:
        return True
    client = scope.get("client")
    return client is not None and client[0] in trusted


def base_url_of(request: Request) -> str:
    """`request_base_url` with the settings of the app that received `request`."""
    return request_base_url(request.scope, request.app.state.settings)


def request_base_url(scope: Scope, settings: Settings) -> str:
    """`scheme://host[:port][/prefix]` of the service root, without a trailing slash."""
    if settings.public_url:
        return settings.public_url
    request = Request(scope)
    scheme = request.url.scheme
    server = scope.get("server") or ("127.0.0.1", 80)
    host = _valid_host(request.headers.get("host", "")) or f"{server[0]}:{server[1]}"
    root = str(scope.get("app_root_path", scope.get("root_path", "")))
    if is_trusted_proxy(scope, settings.forwarded_allow_ips):
        headers = request.headers
        scheme = _first(headers.get("x-forwarded-proto", "")) or scheme
        host = _valid_host(_first(headers.get("x-forwarded-host", ""))) or host
        prefix = "/" + _first(headers.get("x-forwarded-prefix", "")).strip("/")
        if _PREFIX.fullmatch(prefix.rstrip("/")):
            root = prefix.rstrip("/") + root
    if scheme not in ("http", "https"):
        scheme = "http"
    return f"{scheme}://{host}{root}".rstrip("/")
