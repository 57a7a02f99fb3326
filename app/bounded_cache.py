"""The one eviction policy of every cache that can grow with requests: least recently used
first out, bounded by the total size in bytes of its entries (and optionally by their count).

Callers give each entry's size (encoded bytes, or an estimate for objects such as Mapnik maps)
and key entries only by values the server itself chose (data version, layer, CRS, zoom band),
never by raw request text, so hostile variety cannot multiply entries (issue 13).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
ENTRY_OVERHEAD_BYTES = 256  # Python object overhead counted per entry


class ByteLru(Generic[K, V]):
    """A thread-safe mapping bounded by `max_bytes` (and `max_entries`), least recently used
    first out. An entry larger than `max_bytes // max_entry_fraction` is not kept at all."""

    def __init__(
        self, max_bytes: int, max_entries: int | None = None, max_entry_fraction: int = 1
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_entry_bytes = max_bytes // max_entry_fraction
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V, size_bytes: int) -> bool:
        """Keep `value` (False: too large to keep); evicts the least recently used beyond
        the bounds."""
        size = size_bytes + ENTRY_OVERHEAD_BYTES
        if size > self.max_entry_bytes:
            return False
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > 1 and self._over_bounds():
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return True

    def get_or_build(self, key: K, build: Callable[[], tuple[V, int]]) -> V:
        """The entry for `key`, built (value, size in bytes) and kept when missing. Two threads
        asking at once may both build it; the last one stored wins."""
        value = self.get(key)
        if value is None:
            value, size = build()
            self.put(key, value, size)
        return value

    def _over_bounds(self) -> bool:
        too_many = self.max_entries is not None and len(self._items) > self.max_entries
        return too_many or self._bytes > self.max_bytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        return self._bytes


class SingleFlight(Generic[K, V]):
    """Concurrent builds of one key share one: the first caller builds, the others wait for
    its value or its exception. Nothing is kept once the build is over (pair it with a
    ByteLru for that)."""

    def __init__(self) -> None:
        self._flights: dict[K, Future[V]] = {}
        self._lock = threading.Lock()
        self.shared = 0  # calls answered by another caller's build

    def run(self, key: K, build: Callable[[], V]) -> V:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = Future()
            else:
                self.shared += 1
        if not leader:
            return flight.result()
        try:
            value = build()
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        else:
            flight.set_result(value)
            return value
        finally:
            with self._lock:
                del self._flights[key]
