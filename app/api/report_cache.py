"""Report files built once per data version and URL, and served again from memory.

A report (PDF, XLSX, DOCX, PNG/JPEG map, GeoPackage, Shapefile) costs 0.1–1 s of a worker
process, plus 0.1–0.3 s of the server for its table and the pickled job; its bytes depend on
the data version and on the URL asked, which the file quotes in its "how to cite" line (with
the base URL the server answers on). So the key is the data version and that URL: the same
request gets the same file, and concurrent identical requests wait for the one build in flight
instead of queueing one build each (issue 13). Memory is a ByteLru bounded in bytes
(`SIEP_REPORT_CACHE_MB`); a new data version empties it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.bounded_cache import ByteLru, SingleFlight

MAX_ENTRY_FRACTION = 8  # one file may take at most 1/8 of the cache


@dataclass(frozen=True)
class ReportFile:
    filename: str  # without extension, as the Download named it
    body: bytes

    def size(self, url: str) -> int:
        return len(self.body) + len(self.filename) + len(url)


class ReportCache:
    def __init__(self, max_bytes: int) -> None:
        self._files: ByteLru[str, ReportFile] = ByteLru(
            max(max_bytes, 0), max_entry_fraction=MAX_ENTRY_FRACTION
        )
        self._flights: SingleFlight[tuple[int, str], ReportFile] = SingleFlight()
        self._version = -1
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, version: int, url: str) -> ReportFile | None:
        with self._lock:
            if version != self._version:
                self._files.clear()
                self._version = version
        return self._files.get(url)

    def get_or_build(self, version: int, url: str, build: Callable[[], ReportFile]) -> ReportFile:
        """The file of `url` in `version`: kept, in flight (then waited for), or built."""
        kept = self.get(version, url)
        if kept is not None:
            return kept
        return self._flights.run((version, url), lambda: self._build(version, url, build))

    def _build(self, version: int, url: str, build: Callable[[], ReportFile]) -> ReportFile:
        kept = self._files.get(url)  # built by a flight that ended since our first look
        if kept is not None and version == self._version:
            return kept
        report = build()
        with self._lock:
            self.builds += 1
            if version == self._version:
                self._files.put(url, report, report.size(url))
        return report

    @property
    def shared(self) -> int:
        """Requests that waited for another request's build of the same file."""
        return self._flights.shared

    @property
    def size_bytes(self) -> int:
        return self._files.size_bytes

    def __len__(self) -> int:
        return len(self._files)
