"""One response cache for every GET of every service, keyed by the catalog's data version.

A pure ASGI layer: a hit (or a 304 revalidation of a cached answer) is sent without routing,
parameter parsing or a thread hop. An answer is stored only when its handler marked it as a
function of the current data (status 200 and `ETag` equal to the catalog's) and when the same
request was already seen once in this data version: one-off queries (rotating map tiles and
bounding boxes) pass through without filling memory. A new data version empties the cache.
Memory is bounded in bytes (bodies, headers and keys), least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.bounded_cache import ENTRY_OVERHEAD_BYTES, ByteLru
from app.catalog.holder import CatalogHolder
from app.http_cache import etag_matches
from app.public_url import FORWARDED_HEADERS

MAX_ENTRY_FRACTION = 8  # one answer may take at most 1/8 of the cache
# Set in the ASGI scope by a handler whose answer cost a worker build (a report file): it is
# kept on its first ask, so that a repeat is answered here, without routing or a thread.
KEEP_FIRST_ASK = "siep.keep_first_ask"
SEEN_KEYS = 8192  # requests remembered (as hashes) to admit an answer on its second ask


@dataclass(frozen=True)
class CachedResponse:
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def size(self, key: bytes) -> int:
        header_bytes = sum(len(k) + len(v) for k, v in self.headers)
        return len(self.body) + header_bytes + len(key) + ENTRY_OVERHEAD_BYTES


class VersionedLRU:
    """Encoded responses of one data version, bounded by their total size in bytes
    (app/bounded_cache.py)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: ByteLru[bytes, CachedResponse] = ByteLru(
            max_bytes, max_entry_fraction=MAX_ENTRY_FRACTION
        )
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._version = -1
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: bytes) -> CachedResponse | None:
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._seen.clear()
                self._version = version
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self.hits += 1
            return item

    def admit(self, version: int, key: bytes) -> bool:
        """True on the second ask of `key` in this version (then its answer is worth keeping)."""
        digest = hash(key)
        with self._lock:
            if version != self._version:
                return False
            if digest in self._seen:
                del self._seen[digest]
                return True
            self._seen[digest] = None
            if len(self._seen) > SEEN_KEYS:
                self._seen.popitem(last=False)
            return False

    def put(self, version: int, key: bytes, item: CachedResponse) -> None:
        with self._lock:
            if version == self._version:
                self._items.put(key, item, item.size(key) - ENTRY_OVERHEAD_BYTES)

    @property
    def size_bytes(self) -> int:
        return self._items.size_bytes

    def __len__(self) -> int:
        return len(self._items)


def _cache_key(scope: Scope, headers: dict[bytes, bytes]) -> bytes:
    # Accept changes the answer of negotiated endpoints (OGC API landing page, f= defaults);
    # Accept-Language the language of OGC API answers (titles, Content-Language); Host and the
    # X-Forwarded-* headers the links of OGC answers (app.public_url).
    return b"\x00".join(
        (
            scope["path"].encode(),
            scope.get("query_string", b""),
            headers.get(b"accept", b""),
            headers.get(b"accept-language", b""),
            headers.get(b"host", b""),
            *(headers.get(name, b"") for name in FORWARDED_HEADERS),
        )
    )


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, holder: CatalogHolder, cache: VersionedLRU) -> None:
        self.app = app
        self.holder = holder
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or self.cache.max_bytes <= 0
        ):
            await self.app(scope, receive, send)
            return
        try:
            catalog = self.holder.catalog
        except SQLAlchemyError:  # no snapshot yet and no store: nothing can be cached
            await self.app(scope, receive, send)
            return
        etag = catalog.etag.encode()
        headers = dict(scope["headers"])
        key = _cache_key(scope, headers)
        hit = self.cache.get(catalog.version, key)
        if hit is not None:
            if etag_matches(headers.get(b"if-none-match", b""), etag):
                await _send(send, 304, [h for h in hit.headers if h[0] != b"content-length"], b"")
            else:
                body = b"" if scope["method"] == "HEAD" else hit.body
                await _send(send, 200, hit.headers, body)
            return
        admitted = self.cache.admit(catalog.version, key)
        await self._call_and_store(scope, receive, send, catalog.version, etag, key, admitted)

    async def _call_and_store(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        version: int,
        etag: bytes,
        key: bytes,
        admitted: bool,
    ) -> None:
        headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []
        storable = scope["method"] == "GET"

        async def capture(message: Message) -> None:
            nonlocal headers, storable
            if message["type"] == "http.response.start":
                # copied before the outer layers see them: CORS adds `Vary: Origin` to the
                # message in place, and a replayed answer got it twice
                headers = list(message.get("headers", []))
                response_etag = dict(message.get("headers", [])).get(b"etag")
                storable = (
                    storable
                    and (admitted or bool(scope.get(KEEP_FIRST_ASK)))
                    and message["status"] == 200
                    and response_etag == etag
                )
            elif message["type"] == "http.response.body" and storable:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and headers is not None:
                    self.cache.put(version, key, CachedResponse(headers, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
