"""Encoded /api/v1 responses kept in memory per (data version, request), bounded (LRU)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Encoded:
    body: bytes
    media_type: str
    filename: str | None
    is_attachment: bool


class ResponseCache:
    """LRU of encoded bodies; entries of an older data version are dropped on first sight."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[int, str], Encoded] = OrderedDict()
        self._lock = threading.Lock()
        self._version = -1
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: str) -> Encoded | None:
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
            item = self._items.get((version, key))
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end((version, key))
            self.hits += 1
            return item

    def put(self, version: int, key: str, item: Encoded) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            if version != self._version:
                return
            self._items[(version, key)] = item
            self._items.move_to_end((version, key))
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
