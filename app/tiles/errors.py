"""The one error of the tile endpoints, answered as an OGC API exception (JSON)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TileError(Exception):
    """A request the tile endpoints refuse; `code` as in OGC API exception documents."""

    code: str
    description: str
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"
